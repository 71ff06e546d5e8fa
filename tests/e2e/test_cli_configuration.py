"""A command given a bad configuration says what is wrong in one line, exits 1,
and shows no secret: no traceback, no password, no key."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.encryption import FernetTokenCipher
from entrypoints.cli import main

PROJECT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Secret-4711"
JWT_SECRET = "jwt-" + "q" * 44
KEY = FernetTokenCipher.generate_key()
SECRETS = (PASSWORD, JWT_SECRET, KEY)
# Nothing listens on port 1 of the loopback interface.
UNREACHABLE = f"postgresql://crm:{PASSWORD}@127.0.0.1:1/crm"


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


# Every command that opens the database.
DATABASE_COMMANDS = [
    ["migrate"],
    ["serve", "--port", free_port()],
    ["sync", "--workspace", "acme"],
    ["rotate-keys"],
]


def settings(**values: str) -> dict[str, str]:
    return {
        "CRMBRIDGE_JWT_SECRET": JWT_SECRET,
        "CRMBRIDGE_ENCRYPTION_KEYS": KEY,
        "CRMBRIDGE_LOG_LEVEL": "DEBUG",
        **{f"CRMBRIDGE_{name.upper()}": value for name, value in values.items()},
    }


def crmbridge(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """The command in its own interpreter: what a person at a shell sees."""
    done = subprocess.run(  # noqa: S603 (our interpreter, our code)
        [sys.executable, "-m", "entrypoints.cli", *args],
        env={**os.environ, "PYTHONPATH": str(PROJECT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def assert_one_clear_line(output: str, *expected: str) -> None:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: "), output
    for text in expected:
        assert text in lines[0], output
    for secret in SECRETS:
        assert secret not in output


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            UNREACHABLE,
            "cannot open the database postgresql+asyncpg://crm:***@127.0.0.1:1/crm",
        ),
        (f"mysql://crm:{PASSWORD}@127.0.0.1/crm", "the scheme 'mysql'"),
        (f"not a url {PASSWORD}", "not a database URL"),
        (
            f"{UNREACHABLE}?sslmode=require",
            "cannot open the database postgresql+asyncpg://crm:***@127.0.0.1:1/crm",
        ),
        (
            f"{UNREACHABLE}?sslmode=require&application_name={PASSWORD}",
            "the query parameter 'application_name' is not one PostgreSQL's",
        ),
        (
            f"postgresql://crm:{PASSWORD}@/crm?host=127.0.0.1&port=1&user=other",
            "cannot open the database postgresql+asyncpg://other:***@127.0.0.1:1/crm",
        ),
    ],
    ids=[
        "unreachable",
        "mysql",
        "garbage",
        "sslmode",
        "unknown-parameter",
        "target-in-query",
    ],
)
def test_a_bad_database_url_stops_each_command_in_one_line(
    command: list[str],
    url: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, command, env=settings(database_url=url))

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert_one_clear_line(result.output, "CRMBRIDGE_DATABASE_URL", expected)
    assert "listening" not in result.output


def test_serve_says_why_before_it_says_it_listens(tmp_path: Path) -> None:
    code, output = crmbridge(
        "serve",
        "--port",
        free_port(),
        env=settings(database_url=UNREACHABLE),
        cwd=tmp_path,
    )

    assert code == 1
    assert_one_clear_line(
        output, "CRMBRIDGE_DATABASE_URL", "127.0.0.1:1", "Check that the server"
    )
    assert "listening" not in output


def test_an_unusable_sqlite_path_is_one_line_too(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("a file, not a folder")
    url = f"sqlite:///{tmp_path}/plain/crm.sqlite3"

    code, output = crmbridge(
        "sync", "--workspace", "acme", env=settings(database_url=url), cwd=tmp_path
    )

    assert code == 1
    assert_one_clear_line(output, "CRMBRIDGE_DATABASE_URL", str(tmp_path / "plain"))


OLD_KEY = FernetTokenCipher.generate_key()


@pytest.mark.parametrize(
    "command",
    [["token", "--workspace", "acme"], *DATABASE_COMMANDS],
    ids=lambda c: c[0],
)
@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (f"{KEY};{OLD_KEY}", "key #1 of 1 is not a Fernet key"),
        (f"{KEY},{OLD_KEY[:-1]}", "key #2 of 2 is not a Fernet key"),
        ("   ", "CRMBRIDGE_ENCRYPTION_KEYS is set but empty"),
    ],
    ids=["semicolon", "truncated", "blank"],
)
def test_bad_encryption_keys_stop_each_command_in_one_line(
    command: list[str],
    keys: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    # Unreachable: should the keys pass, no command gets to serve or migrate.
    env = settings(encryption_keys=keys, database_url=UNREACHABLE)

    result = CliRunner().invoke(main, command, env=env)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert_one_clear_line(result.output, "CRMBRIDGE_ENCRYPTION_KEYS", expected)
    assert "','" in result.output
    for key in (KEY, OLD_KEY):
        assert key[:12] not in result.output
        assert key[-12:] not in result.output
    assert not (tmp_path / ".crmbridge").exists()


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=lambda c: c[0])
def test_a_schema_revision_this_crmbridge_lacks_stops_each_command_in_one_line(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "newer.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        db.execute("INSERT INTO alembic_version VALUES ('9999')")
    db.close()
    env = settings(database_url=f"sqlite:///{database}", log_level="INFO")

    result = CliRunner().invoke(main, command, env=env)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert_one_clear_line(
        result.output,
        f"the database sqlite+aiosqlite:///{database} (CRMBRIDGE_DATABASE_URL)",
        "schema revision '9999', unknown to this crmbridge",
        "Run the crmbridge that migrated it",
    )
    with sqlite3.connect(database) as db:
        tables = db.execute("SELECT name FROM sqlite_master").fetchall()
        stamped = db.execute("SELECT version_num FROM alembic_version").fetchall()
    db.close()
    assert (tables, stamped) == ([("alembic_version",)], [("9999",)])
