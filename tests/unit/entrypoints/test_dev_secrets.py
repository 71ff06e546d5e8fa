"""Secrets left unset on a developer's machine: generated once, and warned
of only by the processes that use them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from entrypoints.config import ConfigError, load_config

KEYS_WARNING = "CRMBRIDGE_ENCRYPTION_KEYS is not set"
JWT_WARNING = "CRMBRIDGE_JWT_SECRET is not set"


def test_every_generated_secret_is_warned_of_by_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    load_config({}, state_dir=tmp_path)

    assert KEYS_WARNING in caplog.text
    assert JWT_WARNING in caplog.text


def test_only_the_secrets_a_caller_uses_are_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    config = load_config({}, state_dir=tmp_path, uses=("jwt_secret",))

    assert JWT_WARNING in caplog.text
    assert KEYS_WARNING not in caplog.text
    assert config.encryption_keys
    assert config == load_config({}, state_dir=tmp_path, uses=())


def test_a_caller_that_uses_none_warns_of_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    load_config({}, state_dir=tmp_path, uses=())

    assert "is not set" not in caplog.text


def test_a_refused_configuration_says_only_what_is_wrong(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    with pytest.raises(ConfigError, match="CRMBRIDGE_PUBLIC_URL"):
        load_config({"CRMBRIDGE_PUBLIC_URL": "ftp://x"}, state_dir=tmp_path)

    assert "is not set" not in caplog.text
