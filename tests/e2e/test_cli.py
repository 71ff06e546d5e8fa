"""The `crmbridge` command line: tokens, migrations and the demo."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner

from adapters.encryption import FernetTokenCipher
from entrypoints.cli import main
from entrypoints.commands.serve import http_address
from tests.e2e.commands import crmbridge

SECRET = "c" * 48


def test_token_prints_a_jwt_for_the_workspace_and_role(tmp_path: Path) -> None:
    env = {
        "CRMBRIDGE_JWT_SECRET": SECRET,
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
    }

    result = CliRunner().invoke(
        main,
        ["token", "--workspace", "acme", "--role", "member", "--ttl", "60"],
        env=env,
    )

    claims = jwt.decode(result.output.strip(), SECRET, algorithms=["HS256"])
    assert result.exit_code == 0
    assert (claims["workspace"], claims["role"], claims["sub"]) == (
        "acme",
        "member",
        "local-user",
    )
    assert claims["exp"] - claims["iat"] == 60


async def test_token_warns_only_of_the_generated_secret_it_uses(
    tmp_path: Path,
) -> None:
    unset = ("CRMBRIDGE_JWT_SECRET", "CRMBRIDGE_ENCRYPTION_KEYS")

    code, output = await crmbridge(
        "token", "--workspace", "acme", env={}, cwd=tmp_path, unset=unset
    )

    assert code == 0, output
    assert "CRMBRIDGE_JWT_SECRET is not set" in output
    assert "CRMBRIDGE_ENCRYPTION_KEYS" not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "--workspace", "a/b"], "'--workspace': a workspace id is 1-64"),
        (["token", "--workspace", "a", "--role", "root"], "role"),
        (
            ["token", "--workspace", "a", "--sub", ""],
            "'--sub': a subject is 1-255 characters",
        ),
        (["token", "--workspace", "a", "--sub", "x" * 256], "'--sub': a subject"),
        (["token", "--workspace", "a", "--sub", " "], "not only spaces"),
    ],
)
def test_token_refuses_bad_options(args: list[str], message: str) -> None:
    env = {
        "CRMBRIDGE_JWT_SECRET": SECRET,
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
    }

    result = CliRunner().invoke(main, args, env=env)

    assert result.exit_code != 0
    assert message in result.output


def test_a_bad_variable_stops_the_cli_naming_it() -> None:
    result = CliRunner().invoke(
        main, ["token", "--workspace", "a"], env={"CRMBRIDGE_PORT": "http"}
    )

    assert result.exit_code == 1
    assert "CRMBRIDGE_PORT" in result.output


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_a_bad_port_option_is_named_as_the_option(port: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", port])

    assert result.exit_code == 2
    assert "'--port'" in result.output
    assert "CRMBRIDGE_PORT" not in result.output.split("Error:")[-1]


@pytest.mark.parametrize("host", ["", "  "])
def test_a_blank_host_option_is_refused(host: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--host", host])

    assert result.exit_code == 2
    assert "Invalid value for '--host': must not be empty" in result.output


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("localhost", "http://localhost:8000"),
        ("::", "http://[::]:8000"),
        ("::1", "http://[::1]:8000"),
    ],
)
def test_serve_announces_an_address_a_browser_takes(host: str, address: str) -> None:
    assert http_address(host, 8000) == address


def test_production_without_secrets_refuses_to_start() -> None:
    result = CliRunner().invoke(
        main, ["serve"], env={"CRMBRIDGE_ENV": "production", "CRMBRIDGE_JWT_SECRET": ""}
    )

    assert result.exit_code == 1
    assert "CRMBRIDGE_JWT_SECRET" in result.output


def fresh_database(database: Path) -> dict[str, str]:
    """Settings for a database file no command has touched yet."""
    return {
        "CRMBRIDGE_DATABASE_URL": f"sqlite:///{database}",
        "CRMBRIDGE_JWT_SECRET": SECRET,
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
    }


async def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    env = fresh_database(database)

    code, output = await crmbridge("migrate", env=env)

    assert code == 0, output
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"connections", "pending_authorizations"} <= tables


async def test_rotating_keys_on_a_fresh_database_migrates_it_first(
    tmp_path: Path,
) -> None:
    database = tmp_path / "fresh.sqlite3"
    env = fresh_database(database)

    code, output = await crmbridge("rotate-keys", env=env)

    assert code == 0, output
    assert "Traceback" not in output
    assert "re-encrypted 0 stored secrets" in output


async def test_the_demo_walks_the_whole_flow_on_a_fresh_folder(tmp_path: Path) -> None:
    # Unset, not blank: a blank CRMBRIDGE_ENCRYPTION_KEYS is refused.
    ours = [name for name in os.environ if name.startswith("CRMBRIDGE_")]

    code, output = await crmbridge(
        "demo", "--port", "0", env={}, cwd=tmp_path, unset=ours
    )

    assert code == 0, output
    assert "salesforce=connected" in output
    assert "token refreshes at the emulator: 1" in output
    assert "-> 202 sync " in output
    assert "-> 200 sync succeeded" in output
    assert "Lead     80 seen" in output
    assert "-> 200 5 shown" in output
    assert "-> 200 1 shown" in output
    assert " + Contact 003" in output
    assert "The flow works end to end." in output
    assert "code=" not in output
    assert "state=" not in output
    assert (tmp_path / ".crmbridge" / "dev-keys").exists()
