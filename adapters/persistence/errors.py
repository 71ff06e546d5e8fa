"""Errors the persistence adapters raise beyond the cipher's own.

PersistenceError
├── MisplacedSecret        a sealed value sits on a row it was not written for
├── DatabaseUrlInvalid     a database URL that does not parse, or is not served
├── DatabaseUnavailable    a valid database URL whose database does not open
└── SchemaRevisionUnknown  the schema is at a revision these migrations lack

`unavailable` tells a dropped connection, a SQLite file another writer
kept locked past the busy timeout, or one that cannot be written (read-only,
disk full), from a statement's own failure; units of work and readers raise
the `StorageUnavailable` it makes instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from application.errors import StorageUnavailable


class PersistenceError(Exception):
    """Root of the persistence adapters' errors; `code` is machine-readable."""

    code = "persistence_error"


class MisplacedSecret(PersistenceError):
    """Raised when a decrypted value names another row: copied or tampered with."""

    code = "misplaced_secret"


class DatabaseUrlInvalid(PersistenceError, ValueError):
    """Raised when a database URL does not parse or names a database crmbridge
    does not run on; the message never shows the URL, which may hold a password.
    """

    code = "database_url_invalid"


class DatabaseUnavailable(PersistenceError):
    """Raised when the database at a valid URL cannot be opened.

    `url` is the URL with its password masked and its query left out; `reason`
    is what the driver or the operating system said, with the password masked;
    `backend` is "sqlite" or "postgresql".
    """

    code = "database_unavailable"

    def __init__(self, url: str, reason: str, *, backend: str) -> None:
        super().__init__(f"cannot open the database {url}: {reason}")
        self.url = url
        self.reason = reason
        self.backend = backend


class SchemaRevisionUnknown(PersistenceError):
    """Raised when `alembic_version` names a revision no migration here has:
    a newer crmbridge, or another program, set it. Nothing is changed.

    `revisions` are the unknown ones, sorted; `head` is the newest known.
    """

    code = "schema_revision_unknown"

    def __init__(self, revisions: list[str], *, head: str) -> None:
        named = ", ".join(repr(revision) for revision in revisions)
        super().__init__(
            f"the database schema is at revision {named}, which this crmbridge "
            f"does not know (it knows up to {head!r})"
        )
        self.revisions = revisions
        self.head = head


LOST = "the database could not be reached"
BUSY = "the database stayed locked by another writer"
# SQLite's file itself failing, by the start of the error's name: not a
# statement's fault, and not ours to fix but the machine's.
FILE_FAILURES = {
    "SQLITE_READONLY": "the database file cannot be written (it is read-only)",
    "SQLITE_FULL": "the disk holding the database file is full",
    "SQLITE_IOERR": "the database file could not be read or written",
    "SQLITE_CANTOPEN": "the database file could not be opened",
}
FILE_HINT = (
    "Check that the database file, its folder and its -wal and -shm files "
    "are writable by this process, and that the disk has room."
)


def lost_database(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached: a connection
    SQLAlchemy found dropped (it invalidates it, so the pool opens a new
    one), or the server refusing or resetting a connection. A statement's
    own failure (a constraint, a lock timeout, bad SQL) is not."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, OSError)
    return isinstance(exc, ConnectionError)


def busy_database(exc: BaseException) -> bool:
    """Whether `exc` is SQLite giving up on a lock another connection held
    for longer than the busy timeout (another process's long write, or a
    tool holding the file)."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    locked = "database is locked" in str(cause)
    return isinstance(cause, sqlite3.OperationalError) and locked


def failed_file(exc: BaseException) -> str | None:
    """What SQLite says of its file, if `exc` is the file failing (read-only,
    disk full, I/O error, not openable); None for any other failure."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(cause, sqlite3.Error):
        return None
    name = getattr(cause, "sqlite_errorname", "")
    return next(
        (said for kind, said in FILE_FAILURES.items() if name.startswith(kind)),
        None,
    )


def unavailable(exc: BaseException) -> StorageUnavailable | None:
    """The `StorageUnavailable` `exc` amounts to, or None for any other failure."""
    if lost_database(exc):
        return StorageUnavailable(LOST)
    if busy_database(exc):
        return StorageUnavailable(BUSY)
    said = failed_file(exc)
    if said is not None:
        return StorageUnavailable(said, hint=FILE_HINT)
    return None


@contextmanager
def raised_as_unavailable() -> Iterator[None]:
    """Raise what `unavailable` makes of a failure in the block, if
    anything; any other failure as it is."""
    try:
        yield
    except Exception as exc:
        lost = unavailable(exc)
        if lost is None:
            raise
        raise lost from exc
