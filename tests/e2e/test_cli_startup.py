"""`crmbridge` starts light: each command imports what it runs, and no more."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from adapters.encryption import FernetTokenCipher
from adapters.persistence.migrate import HEAD_REVISION
from entrypoints.cli import main
from tests.support.scripts import ROOT, run_python

# What only `serve`, `token`, `demo`, `migrate` or `rotate-keys` need.
HEAVY = (
    "alembic",
    "litestar",
    "uvicorn",
    "jwt",
    "entrypoints.http",
    "entrypoints.demo",
)


def loaded_after(*modules: str) -> set[str]:
    """Which of HEAVY a fresh interpreter holds after importing `modules`."""
    script = (
        "import sys\n"
        f"import {', '.join(modules)}\n"
        f"heavy = {HEAVY!r}\n"
        "print(' '.join(sorted({h for h in heavy for m in sys.modules"
        " if m == h or m.startswith(h + '.')})))\n"
    )
    done = run_python(script)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_sync_path_imports_no_server_no_alembic_no_demo() -> None:
    assert loaded_after("entrypoints.cli", "entrypoints.sync_command") == set()


def test_help_lists_every_command_and_the_demo_still_loads() -> None:
    runner = CliRunner()

    listed = runner.invoke(main, ["--help"])
    demo = runner.invoke(main, ["demo", "--help"])

    assert listed.exit_code == 0, listed.output
    for name in ("serve", "token", "sync", "migrate", "rotate-keys", "demo"):
        assert f"  {name} " in listed.output
    assert demo.exit_code == 0, demo.output
    assert "--keep-running" in demo.output


def test_sync_on_a_new_database_migrates_it_first(tmp_path: Path) -> None:
    database = tmp_path / "new.sqlite3"
    env = {
        "CRMBRIDGE_DATABASE_URL": f"sqlite:///{database}",
        "CRMBRIDGE_JWT_SECRET": "t" * 48,
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
        "CRMBRIDGE_LOG_LEVEL": "WARNING",
    }

    result = CliRunner().invoke(main, ["sync", "--workspace", "nobody"], env=env)

    assert result.exit_code == 1
    assert "Salesforce is not connected. Connect Salesforce" in result.output
    with sqlite3.connect(database) as db:
        (stamped,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    db.close()
    assert stamped == HEAD_REVISION


def test_a_closed_stdout_ends_the_command_as_it_would_have_ended(
    tmp_path: Path,
) -> None:
    """`crmbridge sync >&-`: the next file opened took number 1, and uvloop
    aborted the process (134) when asked to close it."""
    env = {
        **os.environ,
        "CRMBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
        "CRMBRIDGE_JWT_SECRET": "t" * 48,
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
        "CRMBRIDGE_LOG_LEVEL": "WARNING",
    }

    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "sync", "--workspace", "nobody"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(1),
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1, done.stderr
    assert "Salesforce is not connected" in done.stderr
