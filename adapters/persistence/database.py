"""Async engines for SQLite and PostgreSQL, and how SQLite transactions begin.

SQLite runs in WAL mode with a busy timeout, and SQLAlchemy (not the sqlite3
driver) emits BEGIN, so a transaction can ask for `BEGIN IMMEDIATE`: it takes
the database's write lock up front, and a second writer, in this process or
another, waits for it instead of failing halfway through.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

import msgspec
from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util.concurrency import in_greenlet

from adapters.persistence.errors import DatabaseUrlInvalid
from adapters.persistence.postgres_url import asyncpg_query

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///crmbridge.sqlite3"
BEGIN_MODE = "crmbridge_sqlite_begin"
IMMEDIATE = MappingProxyType({BEGIN_MODE: "IMMEDIATE"})


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


JSON_CODEC = MappingProxyType(
    {"json_serializer": _json_text, "json_deserializer": msgspec.json.decode}
)

# What each supported scheme runs on; nothing else is installed or tested.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_EXPECTED = "expected sqlite:///path/to/file or postgresql://user:password@host/name"

logger = logging.getLogger(__name__)


def create_database_engine(
    url: str | URL, *, busy_timeout: float = 60.0, **options: Any
) -> AsyncEngine:
    """An engine for `url`; plain `sqlite://` and `postgresql://` get async drivers.

    JSON columns go through msgspec: several times faster than the standard
    library on bulk pages, and it reads back exactly what it wrote.

    Statement errors never show their parameters: they hold sealed tokens
    and customers' records, and such errors reach the logs.

    `busy_timeout` (seconds) bounds how long a SQLite writer waits for the lock.
    """
    parsed = parse_database_url(url)
    options = {**JSON_CODEC, "hide_parameters": True, **options}
    if parsed.get_backend_name() != "sqlite":
        # A server restart, or a connection it ended, leaves dead connections
        # in the pool: each is checked (one round trip) before it is lent.
        return create_async_engine(parsed, **{"pool_pre_ping": True, **options})

    ensure_parent_directory(parsed)
    engine = create_async_engine(parsed, **options)
    _install_sqlite_hooks(engine, busy_timeout)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def parse_database_url(url: str | URL) -> URL:
    """`url` with its async driver; `DatabaseUrlInvalid` if it cannot be served.

    A PostgreSQL URL's query is made what asyncpg takes (libpq's `sslmode`
    becomes `ssl`). The error names the scheme or a query parameter at most,
    never the URL or a value: they may hold a password.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUrlInvalid(f"not a database URL; {_EXPECTED}") from exc
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseUrlInvalid(
            f"the scheme {parsed.drivername!r} is not supported; {_EXPECTED}"
        )
    if "@" in (parsed.host or ""):
        # An '@' of the password, unescaped: the parser cut the password at
        # it and took the rest for the host, so printing the host would show
        # part of the password.
        raise DatabaseUrlInvalid(
            "the URL holds an unescaped '@' before its host: write an '@' in "
            "the user name or password as %40"
        )
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise DatabaseUrlInvalid("the port must be a number from 1 to 65535")
    parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(parsed)
        return parsed
    return asyncpg_query(parsed)


def _check_sqlite_file(url: URL) -> None:
    if (url.database or ":memory:") == ":memory:":
        # One shared connection cannot hold two units of work's transactions.
        raise DatabaseUrlInvalid(
            "an in-memory SQLite database cannot serve concurrent units of "
            "work; give a file (sqlite:///path/to/file), or use "
            "adapters.memory.InMemoryStore"
        )


def ensure_parent_directory(url: URL) -> None:
    """Make the folder of a SQLite file, as SQLite makes only the file."""
    path = _file_of(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def make_private_file(url: URL) -> None:
    """Make a missing SQLite file, readable by its owner only, just before
    SQLite opens it (and would make it as the umask says): it holds sealed
    tokens and customers' records. SQLite gives its `-wal` and `-shm` files
    the mode of the database file. A file that cannot be made is left for
    SQLite to report as it opens it."""
    path = _file_of(url)
    if path is not None:
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _file_of(url: URL) -> Path | None:
    """The file a SQLite URL names, a `file:` URI's too (`?uri=true`); None
    for one SQLite must not make (`mode=ro`, `mode=memory`)."""
    database = url.database or ""
    if not database.startswith("file:"):
        return Path(database)
    if url.query.get("mode", "rwc") != "rwc":
        return None
    path = unquote(urlsplit(database).path)
    return Path(path) if path and path != ":memory:" else None


def _install_sqlite_hooks(engine: AsyncEngine, busy_timeout: float) -> None:
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine.sync_engine, "do_connect")
    def private(_dialect: Any, _record: Any, _args: Any, _params: Any) -> None:
        make_private_file(engine.url)  # then the driver connects as usual

    @event.listens_for(engine.sync_engine, "connect")
    def configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # None stops the driver from emitting BEGIN itself; `begin` below does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={timeout_ms}",
            "PRAGMA foreign_keys=ON",
            # FULL: a committed rotated refresh token must survive power loss,
            # as the old one is already dead at Salesforce.
            "PRAGMA synchronous=FULL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "invalidate")
    def release(
        dbapi_connection: Any, _record: Any, _error: BaseException | None
    ) -> None:
        """Roll back before SQLAlchemy drops a connection, as it does when a
        task is cancelled inside a statement: a statement left open keeps
        the closed connection, and its write lock, alive until the garbage
        collector frees it, and every other writer waits out busy_timeout."""
        if in_greenlet():  # not the garbage collector's own cleanup
            with contextlib.suppress(Exception):
                dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(BEGIN_MODE, "DEFERRED")
        if mode not in {"DEFERRED", "IMMEDIATE"}:
            raise ValueError(f"unsupported SQLite BEGIN mode {mode!r}")
        logger.debug("sqlite BEGIN %s", mode)
        connection.exec_driver_sql(f"BEGIN {mode}")
