"""What `crmbridge demo --keep-running` tells a person to run by hand."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

from entrypoints.demo.manual import cli_command, manual

SERVICE_ENV = {
    "PATH": "/usr/bin",
    "CRMBRIDGE_DATABASE_URL": "sqlite+aiosqlite:////tmp/demo state/demo.sqlite3",
    "CRMBRIDGE_PUBLIC_URL": "http://127.0.0.1:8123",
    "CRMBRIDGE_SALESFORCE_LOGIN_URL": "http://127.0.0.1:9001",
    "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL": "http://127.0.0.1:9002",
    "CRMBRIDGE_LOG_LEVEL": "DEBUG",
}
WORLD = {
    "login_url": "http://127.0.0.1:9001",
    "control_url": "http://127.0.0.1:9003",
    "demo": {
        "consumer_key": "3MVG9demo",
        "production_username": "admin@demo.example",
        "sandbox_username": "admin@demo.example.sandbox",
    },
}


def exported(command: str) -> dict[str, str]:
    words = shlex.split(command, comments=True)
    return dict(word.split("=", 1) for word in words if "=" in word)


def test_the_cli_sync_gets_every_setting_the_demo_service_got() -> None:
    command = cli_command(SERVICE_ENV, "demo")

    assert exported(command) == {
        name: value for name, value in SERVICE_ENV.items() if name != "PATH"
    }
    assert command.rstrip().endswith("sync --workspace demo")


def test_the_cli_sync_is_the_venvs_own_script() -> None:
    words = shlex.split(cli_command(SERVICE_ENV, "demo"), comments=True)

    script = Path(words[-4])
    assert script.is_absolute()
    assert script.parent == Path(sys.executable).absolute().parent


def test_secrets_are_named_never_printed() -> None:
    env = {**SERVICE_ENV, "CRMBRIDGE_JWT_SECRET": "s" * 40}

    command = cli_command(env, "demo")

    assert "s" * 40 not in command
    assert "CRMBRIDGE_JWT_SECRET" in command
    assert "CRMBRIDGE_JWT_SECRET" not in exported(command)


def test_variables_that_are_not_settings_are_left_out_values_and_all() -> None:
    env = {
        **SERVICE_ENV,
        "CRMBRIDGE_JWT_SECRETS": "misspelt-secret-" + "x" * 30,
        "CRMBRIDGE_ENCRYPTION_KEY": "a-fernet-key-given-under-a-wrong-name=",
    }

    command = cli_command(env, "demo")

    assert "misspelt-secret-" not in command
    assert "a-fernet-key" not in command
    assert exported(command).keys() == SERVICE_ENV.keys() - {"PATH"}


def test_the_manual_points_at_the_raw_schema_and_the_port_option() -> None:
    text = manual("http://127.0.0.1:8123", "tok", WORLD, SERVICE_ENV, "demo")

    assert "http://127.0.0.1:8123/schema/openapi.json" in text
    assert "--port" in text


def test_the_manual_says_how_to_approve_without_a_browser() -> None:
    text = manual("http://127.0.0.1:8123", "tok", WORLD, SERVICE_ENV, "demo")

    assert "curl -X POST http://127.0.0.1:9003/consent" in text
    body = text.split("-d '", 1)[1].split("'", 1)[0]
    assert json.loads(body) == {
        "authorization_url": "<authorization_url>",
        "username": "admin@demo.example",
    }


def test_the_manual_names_the_signal_that_stops_a_background_demo() -> None:
    text = manual("http://127.0.0.1:8123", "tok", WORLD, SERVICE_ENV, "demo")

    assert f"send SIGTERM to\nprocess {os.getpid()}" in text
