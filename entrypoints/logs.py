"""Logging for the service and CLI: stdlib logging to stderr, %-style, no secrets."""

from __future__ import annotations

import asyncio
import logging
from typing import TextIO

from adapters.salesforce.log_redaction import redact_httpx_logs

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The pool of every engine `create_database_engine` makes.
POOL_LOGGER = "sqlalchemy.pool.impl.AsyncAdaptedQueuePool"


def configure_logging(level: str) -> None:
    """Our stderr handler on the root logger, at `level`; library chatter kept
    to warnings. A second call replaces the handler the first one added and
    leaves every other handler alone (a host's, or a test's capture)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries()


class _StderrHandler(logging.StreamHandler[TextIO]):
    """The handler `configure_logging` adds, so it can find it again."""


def quiet_libraries() -> None:
    """What libraries may log: no query strings, no duplicate request lines."""
    redact_httpx_logs()
    # httpx repeats each Salesforce call the adapters already log at DEBUG.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters (sealed blobs) at DEBUG.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # uvicorn's access log prints query strings (the callback's code and state);
    # the app logs each request itself.
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic announces each of its plugins at INFO on every migration check.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    pool = logging.getLogger(POOL_LOGGER)
    if not any(isinstance(f, _CancelledReset) for f in pool.filters):
        pool.addFilter(_CancelledReset())


class _CancelledReset(logging.Filter):
    """Drops the pool's ERROR and traceback for a cancelled connection reset.

    A stopped sync (Ctrl-C, SIGTERM) or a server shutting down cancels its
    task; when that lands while a connection goes back to the pool, the pool
    logs the CancelledError, hands the connection back itself and lets the
    cancellation go on. The stop is what was asked for, not an error: its
    line and exit status already say so. Any other exception is still logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, asyncio.CancelledError)


def printable(text: str, limit: int = 256) -> str:
    """`text` safe for one log line: control and other non-printable characters
    (and the backslash itself) backslash-escaped, at most `limit` characters."""
    shown: list[str] = []
    length = 0
    for char in text:
        piece = char if char.isprintable() and char != "\\" else _escaped(char)
        if length + len(piece) > limit:
            shown.append("...")
            break
        shown.append(piece)
        length += len(piece)
    return "".join(shown)


def _escaped(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")
