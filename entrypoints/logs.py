"""Logging for the service and CLI: stdlib logging to stderr, %-style, no secrets."""

from __future__ import annotations

import logging
from typing import TextIO

from adapters.salesforce.log_redaction import redact_httpx_logs

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
