"""CRMBRIDGE_* variables that name no setting: warned of, never silently lost."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from entrypoints.commands.preflight import configured
from entrypoints.config import unknown_variables


def test_a_misspelt_setting_is_named_with_the_one_it_is_closest_to() -> None:
    lines = unknown_variables({"CRMBRIDGE_SYNC_BULK_TRESHOLD": "10"})

    assert lines == [
        "CRMBRIDGE_SYNC_BULK_TRESHOLD is not a crmbridge setting and is ignored "
        "(did you mean CRMBRIDGE_SYNC_BULK_THRESHOLD?)"
    ]


def test_a_name_close_to_no_setting_is_named_alone() -> None:
    lines = unknown_variables({"CRMBRIDGE_FLAVOUR": "vanilla"})

    assert lines == ["CRMBRIDGE_FLAVOUR is not a crmbridge setting and is ignored"]


@pytest.mark.parametrize(
    "name",
    [
        "CRMBRIDGE_PORT",
        "CRMBRIDGE_SYNC_BULK_TIMEOUT_SECONDS",
        "CRMBRIDGE_TEST_POSTGRES_URL",
        "CRMBRIDGE_REQUIRE_POSTGRES",
        "CRMBRIDGE_TRIAL_TIMING",
        "OTHER_TOOL_PORT",
        "crmbridge_port",
    ],
)
def test_settings_and_the_project_s_own_variables_pass_unremarked(name: str) -> None:
    assert unknown_variables({name: "1"}) == []


def test_a_name_with_control_characters_cannot_forge_a_log_line() -> None:
    name = "CRMBRIDGE_X\n2026-12-06 INFO forged: \x1b[31mred" + "Y" * 5000

    (line,) = unknown_variables({name: "1"})

    assert "\n" not in line
    assert "\x1b" not in line
    assert len(line) < 200


def test_only_the_test_suite_s_exact_postgres_switch_is_exempt() -> None:
    lines = unknown_variables({"CRMBRIDGE_REQUIRE_POSTGRESQL": "1"})

    assert lines == [
        "CRMBRIDGE_REQUIRE_POSTGRESQL is not a crmbridge setting and is ignored"
    ]


def test_commands_warn_at_start_without_showing_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRMBRIDGE_JWT_SECRETS", "s3cret-value-never-shown")

    with caplog.at_level(logging.WARNING):
        configured()

    warned = [r.getMessage() for r in caplog.records if "not a crmbridge" in r.message]
    assert warned == [
        "configuration: CRMBRIDGE_JWT_SECRETS is not a crmbridge setting and is "
        "ignored (did you mean CRMBRIDGE_JWT_SECRET?)"
    ]
    assert "s3cret" not in caplog.text
