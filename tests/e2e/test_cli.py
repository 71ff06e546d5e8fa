"""The `crmbridge` command line: tokens, migrations, key rotation and the demo."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
from collections.abc import Collection
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner

from adapters.encryption import FernetTokenCipher
from entrypoints.cli import main
from entrypoints.config import load_config
from tests.e2e.client import Flow
from tests.e2e.conftest import start_instance
from tests.e2e.harness import listening_socket

SECRET = "c" * 48


async def crmbridge(
    *args: str,
    env: dict[str, str],
    cwd: Path | None = None,
    unset: Collection[str] = (),
) -> tuple[int, str]:
    inherited = {name: value for name, value in os.environ.items() if name not in unset}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "entrypoints.cli",
        *args,
        env={**inherited, **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(child.communicate(), timeout=120)
    return child.returncode or 0, output.decode()


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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "--workspace", "a/b"], "workspace"),
        (["token", "--workspace", "a", "--role", "root"], "role"),
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


async def test_keys_rotate_without_a_reconnect(flow: Flow, tmp_path: Path) -> None:
    await flow.connect()
    old = flow.service.env["CRMBRIDGE_ENCRYPTION_KEYS"]
    new = FernetTokenCipher.generate_key()

    code, output = await crmbridge(
        "rotate-keys",
        env=flow.service.env | {"CRMBRIDGE_ENCRYPTION_KEYS": f"{new},{old}"},
    )
    only_new = load_config(
        flow.service.env | {"CRMBRIDGE_ENCRYPTION_KEYS": new}, state_dir=tmp_path
    )
    instance = start_instance(only_new, flow.service.clock, listening_socket())
    try:
        shown = await flow.http.get(
            f"{instance.url}/api/crm/salesforce", headers=flow.auth()
        )
        tested = await flow.http.post(
            f"{instance.url}/api/crm/salesforce/verification", headers=flow.auth()
        )
    finally:
        instance.stop()

    assert code == 0, output
    assert "re-encrypted" in output
    assert new not in output
    assert old not in output
    assert shown.json()["status"] == "connected"
    assert tested.json()["ok"] is True


async def test_rotating_with_keys_that_open_nothing_fails_and_loses_nothing(
    flow: Flow,
) -> None:
    await flow.connect()
    new, wrong = FernetTokenCipher.generate_key(), FernetTokenCipher.generate_key()

    code, output = await crmbridge(
        "rotate-keys",
        env=flow.service.env | {"CRMBRIDGE_ENCRYPTION_KEYS": f"{new},{wrong}"},
    )
    tested = await flow.verify()

    assert code == 1, output
    # The session's database holds other tests' workspaces too.
    assert re.search(r"[1-9][0-9]* stored secrets cannot be decrypted", output)
    assert "left as they are" in output
    assert "Traceback" not in output
    assert new not in output
    assert wrong not in output
    assert tested.json()["ok"] is True


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
