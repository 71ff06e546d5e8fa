"""Databases for tests: SQLite files, and a fresh PostgreSQL database per run.

Import the fixtures into a conftest (`from tests.support.databases import
postgres_url`). Without a reachable server, tests that need PostgreSQL skip
with the reason; with CRMBRIDGE_REQUIRE_POSTGRES=1 (CI) they fail instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from adapters.persistence.database import parse_database_url
from adapters.persistence.errors import DatabaseUrlInvalid

POSTGRES_URL_VARIABLE = "CRMBRIDGE_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "CRMBRIDGE_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# A run's database: crmbridge_test_<this host>_<pid>_<random>.
RUN_DATABASE_PREFIX = "crmbridge_test_"
THIS_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]

T = TypeVar("T")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def configured_postgres_url() -> URL:
    """The configured server, with the driver the service would use: a plain
    `postgresql://` URL works here as it does in `CRMBRIDGE_DATABASE_URL`.
    Raises `DatabaseUrlInvalid` for a URL the service would refuse."""
    return parse_database_url(
        os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL)
    )


def postgres_unreachable_reason(url: URL) -> str | None:
    """None when a server answers at `url`; otherwise why not, without password."""
    try:
        _run(_probe(url))
    except (OSError, DBAPIError, TimeoutError) as exc:
        return (
            f"PostgreSQL not reachable at {url.render_as_string(hide_password=True)} "
            f"({type(exc).__name__}: {exc}); start one or set {POSTGRES_URL_VARIABLE}"
        )
    return None


@pytest.fixture(scope="session")
def postgres_server_url() -> URL:
    """The configured server's URL, or a skip (a failure when it is required)."""
    try:
        url = configured_postgres_url()
    except DatabaseUrlInvalid as exc:
        _unavailable(f"{POSTGRES_URL_VARIABLE} is not usable: {exc}")
    reason = postgres_unreachable_reason(url)
    if reason is not None:
        _unavailable(reason)
    return url


@pytest.fixture(scope="session")
def postgres_url(postgres_server_url: URL) -> Iterator[str]:
    """A database created for this test run alone, dropped at its end.

    Runs at once on one server (two checkouts, CI) each migrate, fill and
    empty their own database, and its advisory locks are its own too. The
    databases of killed runs on this host are dropped first.
    """
    _run(drop_abandoned(postgres_server_url))
    name = run_database_name(os.getpid())
    reason = _create_database(postgres_server_url, name)
    if reason is not None:
        _unavailable(reason)
    try:
        yield postgres_server_url.set(database=name).render_as_string(
            hide_password=False
        )
    finally:
        _run(_execute(postgres_server_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


def run_database_name(pid: int, host: str = THIS_HOST) -> str:
    return f"{RUN_DATABASE_PREFIX}{host}_{pid}_{uuid.uuid4().hex[:12]}"


async def drop_abandoned(server: URL) -> list[str]:
    """Drop the databases of runs on this host whose process is gone (a run
    killed before its teardown); another host's, or a live run's, stay."""
    pattern = re.compile(rf"{RUN_DATABASE_PREFIX}{THIS_HOST}_(\d+)_[0-9a-f]{{12}}")
    dropped = []
    async with _autocommit(server) as connection:
        names = await connection.scalars(
            text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
            {"prefix": f"{RUN_DATABASE_PREFIX}{THIS_HOST}_%"},
        )
        for name in names.all():
            found = pattern.fullmatch(name)
            if found is None or _alive(int(found[1])):
                continue
            try:
                await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            except DBAPIError:
                continue  # Another role's, or gone meanwhile: not ours to fix.
            dropped.append(name)
    return dropped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # Alive, and another user's.
    return True


def _create_database(server: URL, name: str) -> str | None:
    """None once `name` exists; otherwise why it could not be made."""
    try:
        _run(_execute(server, f'CREATE DATABASE "{name}"'))
    except DBAPIError as exc:
        shown = server.render_as_string(hide_password=True)
        return (
            f"cannot create a database for this run at {shown} ({exc.orig}); "
            "the tests need a role that may create databases (CREATEDB)"
        )
    return None


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_POSTGRES_VARIABLE) == "1":
        pytest.fail(reason)
    pytest.skip(reason)


async def _probe(url: URL) -> None:
    await _execute(url, "SELECT 1")


async def _execute(url: URL, statement: str) -> None:
    async with _autocommit(url) as connection:
        await connection.execute(text(statement))


@contextlib.asynccontextmanager
async def _autocommit(url: URL) -> AsyncIterator[AsyncConnection]:
    """A connection to the server at `url` outside any transaction (CREATE
    and DROP DATABASE need one), its engine disposed after."""
    engine = create_async_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5}
    )
    try:
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    # A thread of its own: safe whether or not an event loop already runs here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
