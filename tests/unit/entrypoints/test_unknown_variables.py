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


def test_a_setting_in_the_wrong_case_is_named_with_the_right_one() -> None:
    lines = unknown_variables({"crmbridge_port": "9000", "Crmbridge_Env": "x"})

    assert lines == [
        "Crmbridge_Env is not a crmbridge setting and is ignored "
        "(did you mean CRMBRIDGE_ENV?)",
        "crmbridge_port is not a crmbridge setting and is ignored "
        "(did you mean CRMBRIDGE_PORT?)",
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


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("CRMBRIDGE_PORT\u202e\u200b", "CRMBRIDGE_PORT\\u202e\\u200b"),
        ("CRMBRIDGE_PORT ", "CRMBRIDGE_PORT\\u0020"),
    ],
)
def test_invisible_characters_are_shown_as_escapes_not_as_a_setting_s_name(
    name: str, shown: str
) -> None:
    (line,) = unknown_variables({name: "1"})

    assert line.startswith(f"{shown} is not a crmbridge setting")


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("CRMBRIDGE_port", "CRMBRIDGE_PORT"),
        ("CRMBRIDGE_REQUIRE_POSTGRESS", "CRMBRIDGE_REQUIRE_POSTGRES"),
    ],
)
def test_a_name_in_the_wrong_case_or_near_the_test_switch_gets_a_guess(
    name: str, meant: str
) -> None:
    (line,) = unknown_variables({name: "1"})

    assert line.endswith(f"(did you mean {meant}?)")


def test_only_the_test_suite_s_exact_postgres_switch_is_exempt() -> None:
    lines = unknown_variables({"CRMBRIDGE_REQUIRE_POSTGRESQL": "1"})

    assert lines == [
        "CRMBRIDGE_REQUIRE_POSTGRESQL is not a crmbridge setting and is ignored "
        "(did you mean CRMBRIDGE_REQUIRE_POSTGRES?)"
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
