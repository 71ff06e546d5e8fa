"""`crmbridge serve --workers N`: options, what uvicorn is given, the app factory."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from litestar import Litestar

from adapters.encryption import FernetTokenCipher
from adapters.persistence.migrate import HEAD_REVISION
from entrypoints.cli import main
from entrypoints.commands.serve import APP_FACTORY
from entrypoints.container import settle
from entrypoints.http.app import app_from_environment
from entrypoints.worker import InProcessSyncScheduler, SharedSyncScheduler

# Variables `serve` may export: CliRunner restores those it is given.
EXPORTED = ("CRMBRIDGE_HOST", "CRMBRIDGE_PORT", "CRMBRIDGE_WORKERS")


@pytest.fixture(autouse=True)
def root_logging() -> Iterator[None]:
    """The CLI and the factory configure the root logger; put it back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    return {
        "CRMBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
        "CRMBRIDGE_JWT_SECRET": "w" * 48,
        **dict.fromkeys(EXPORTED),
    }


@pytest.fixture
def port() -> str:
    """A port nothing listens on: `serve` binds it once to check, and the
    defaults (8000) may be a developer's `dev.py run` or another test run."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `uvicorn.run` was given, and the environment the workers would see."""
    calls: list[dict[str, Any]] = []

    def run(app: Any, **options: Any) -> None:
        seen = {name: os.environ.get(name) for name in EXPORTED}
        calls.append({"app": app, "environ": seen, **options})

    monkeypatch.setattr(uvicorn, "run", run)
    return calls


def test_several_workers_get_the_factory_and_the_options(
    env: dict[str, str | None],
    uvicorn_calls: list[dict[str, Any]],
    port: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # serve checks the runner folder it will use
    args = ["serve", "--workers", "3", "--port", port, "--host", "127.0.0.1"]

    result = CliRunner().invoke(main, args, env=env)

    assert result.exit_code == 0, result.output
    [call] = uvicorn_calls
    assert (call["app"], call["factory"], call["workers"]) == (APP_FACTORY, True, 3)
    assert (call["host"], call["port"]) == ("127.0.0.1", int(port))
    assert call["environ"] == {
        "CRMBRIDGE_HOST": "127.0.0.1",
        "CRMBRIDGE_PORT": port,
        "CRMBRIDGE_WORKERS": "3",
    }
    assert "(3 workers)" in result.output
    assert _stamped(tmp_path / "served.sqlite3") == HEAD_REVISION


def test_one_worker_serves_an_app_built_in_this_process(
    env: dict[str, str | None], uvicorn_calls: list[dict[str, Any]], port: str
) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", port], env=env)

    [call] = uvicorn_calls
    assert result.exit_code == 0, result.output
    assert (call["factory"], call["workers"]) == (True, 1)
    assert isinstance(call["app"](), Litestar)
    assert call["environ"] == dict.fromkeys(EXPORTED)


@pytest.mark.parametrize("workers", ["0", "33", "two"])
def test_a_bad_worker_count_is_refused_before_anything_runs(
    workers: str, env: dict[str, str | None], uvicorn_calls: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(main, ["serve", "--workers", workers], env=env)

    assert result.exit_code == 2
    assert "--workers" in result.output
    assert uvicorn_calls == []


def test_a_bad_workers_variable_is_named(
    env: dict[str, str | None], uvicorn_calls: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(main, ["serve"], env={**env, "CRMBRIDGE_WORKERS": "0"})

    assert result.exit_code == 1
    assert "CRMBRIDGE_WORKERS" in result.output
    assert uvicorn_calls == []


@pytest.mark.parametrize(
    ("workers", "scheduler"),
    [("1", InProcessSyncScheduler), ("2", SharedSyncScheduler)],
)
async def test_the_factory_builds_the_app_from_the_environment(
    workers: str,
    scheduler: type,
    env: dict[str, str | None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {**env, "CRMBRIDGE_PORT": "9012"}.items():
        monkeypatch.setenv(name, value or "")
    monkeypatch.setenv("CRMBRIDGE_WORKERS", workers)

    app = app_from_environment()

    container = app.state["container"]
    await settle(container.init_resources())
    try:
        built = await settle(container.scheduler())
    finally:
        await settle(container.shutdown_resources())
    assert container.config().port == 9012
    assert container.config().public_url == "http://127.0.0.1:9012"
    assert isinstance(built, scheduler)


def _stamped(database: Path) -> str:
    with sqlite3.connect(database) as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    db.close()
    return str(revision)


def test_a_busy_port_fails_in_one_line_before_saying_it_listens(
    env: dict[str, str | None],
    uvicorn_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])

        result = CliRunner().invoke(
            main, ["serve", "--host", "127.0.0.1", "--port", port], env=env
        )

    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert uvicorn_calls == []
