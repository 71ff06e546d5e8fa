"""Open a database once before a command relies on it, and say why it does not.

A wrong host, a stopped server or a bad password would otherwise surface deep
inside a migration as the driver's traceback; this turns them into one
`DatabaseUnavailable` whose text shows neither the password nor the query.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from adapters.persistence.database import (
    create_database_engine,
    ensure_parent_directory,
    make_private_file,
    parse_database_url,
)
from adapters.persistence.errors import DatabaseUnavailable

MASK = "***"


async def check_database(url: str | URL) -> None:
    """Connect to the database at `url` once, then let it go.

    Raises:
        DatabaseUrlInvalid: the URL does not parse, or names an unsupported
            database.
        DatabaseUnavailable: the database does not open (no server, unknown
            host, refused login, missing database, unusable file).
    """
    parsed = parse_database_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    try:
        await (_open_file(parsed) if sqlite else _open_server(parsed))
    # Whatever stops a first connection (OSError, a driver's own error, a
    # TypeError for an unknown URL option) says the same: it does not open.
    except Exception as exc:
        raise DatabaseUnavailable(
            shown_url(parsed),
            _reason(exc, parsed),
            backend=parsed.get_backend_name(),
        ) from exc


def shown_url(url: URL) -> str:
    """`url` as it may be printed: password masked, query left out (a value
    there may be a password), but with the host, port, user and database
    the query gives in their places, as the driver takes those over the
    URL's own."""
    port = _given(url, "port")
    shown = url.set(
        query={},
        host=_given(url, "host") or url.host,
        port=int(port) if port and port.isdigit() else url.port,
        username=_given(url, "user") or url.username,
        database=_given(url, "database") or url.database,
    )
    return shown.render_as_string(hide_password=True)


def _given(url: URL, name: str) -> str | None:
    """The query's one value for `name`, if it gives one."""
    value = url.query.get(name)
    return value if isinstance(value, str) and value else None


async def _open_server(url: URL) -> None:
    engine = create_database_engine(url)
    try:
        async with engine.connect():
            pass
    finally:
        await engine.dispose()


async def _open_file(url: URL) -> None:
    # Limitation: aiosqlite reports a failed open from its thread to a loop
    # that may have closed by then, and prints that traceback
    # (omnilib/aiosqlite#241); the standard driver opens the same file here.
    await asyncio.to_thread(_open_file_now, url)


def _open_file_now(url: URL) -> None:
    ensure_parent_directory(url)
    make_private_file(url)
    engine = create_engine(url.set(drivername="sqlite+pysqlite"), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            # Reads the header: a file that is not a database fails here.
            connection.exec_driver_sql("PRAGMA schema_version")
    finally:
        engine.dispose()


def _reason(exc: Exception, url: URL) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    if isinstance(cause, TimeoutError):
        return "no answer in time"
    if isinstance(cause, OSError) and cause.strerror:
        where = f": {cause.filename}" if cause.filename else ""
        text = f"{cause.strerror}{where}"
    else:
        text = str(cause).strip().split("\n", 1)[0]
    return _masked(text or type(cause).__name__, url)


def _masked(text: str, url: URL) -> str:
    secrets = [url.password or ""]
    secrets += [
        value
        for key, values in url.query.items()
        if "pass" in key.lower()
        for value in ([values] if isinstance(values, str) else values)
    ]
    for secret in filter(None, secrets):
        text = text.replace(str(secret), MASK)
    return text
