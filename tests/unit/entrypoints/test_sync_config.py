"""Sync settings from CRMBRIDGE_SYNC_* variables: defaults, values, named errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.sync.options import SyncOptions
from entrypoints.config import ConfigError, load_config
from entrypoints.container import sync_options_for


def test_defaults_suit_a_production_org(tmp_path: Path) -> None:
    config = load_config({}, state_dir=tmp_path)

    options = sync_options_for(config)

    assert options == SyncOptions()
    assert (options.settle_seconds, options.quota_reserve) == (30.0, 0.8)
    assert (options.bulk_threshold, options.stale_after_seconds) == (50_000, 300.0)
    assert options.bulk_timeout_seconds == 3600.0
    assert config.sync_workers == 2


def test_given_values_reach_the_sync_options(tmp_path: Path) -> None:
    env = {
        "CRMBRIDGE_SYNC_SETTLE_SECONDS": "5",
        "CRMBRIDGE_SYNC_QUOTA_RESERVE": "0.5",
        "CRMBRIDGE_SYNC_BULK_THRESHOLD": "10000",
        "CRMBRIDGE_SYNC_STALE_SECONDS": "120.5",
        "CRMBRIDGE_SYNC_BULK_TIMEOUT_SECONDS": "90",
        "CRMBRIDGE_SYNC_WORKERS": "4",
    }

    config = load_config(env, state_dir=tmp_path)

    assert sync_options_for(config) == SyncOptions(
        settle_seconds=5.0,
        quota_reserve=0.5,
        bulk_threshold=10_000,
        bulk_timeout_seconds=90.0,
        stale_after_seconds=120.5,
    )
    assert config.sync_workers == 4


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CRMBRIDGE_SYNC_SETTLE_SECONDS", "-1"),
        ("CRMBRIDGE_SYNC_SETTLE_SECONDS", "soon"),
        ("CRMBRIDGE_SYNC_QUOTA_RESERVE", "0"),
        ("CRMBRIDGE_SYNC_QUOTA_RESERVE", "80"),
        ("CRMBRIDGE_SYNC_BULK_THRESHOLD", "0"),
        ("CRMBRIDGE_SYNC_BULK_THRESHOLD", "many"),
        ("CRMBRIDGE_SYNC_STALE_SECONDS", "0"),
        ("CRMBRIDGE_SYNC_BULK_TIMEOUT_SECONDS", "0"),
        ("CRMBRIDGE_SYNC_BULK_TIMEOUT_SECONDS", "a while"),
        ("CRMBRIDGE_SYNC_WORKERS", "0"),
        ("CRMBRIDGE_SYNC_WORKERS", "100"),
    ],
)
def test_a_bad_sync_value_names_its_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({name: value}, state_dir=tmp_path)
