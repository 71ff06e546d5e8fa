"""Reads Salesforce error messages: the real code, the field, no echoed query."""

from __future__ import annotations

import re
from collections.abc import Sequence

QUERY_ERRORS = frozenset({"INVALID_FIELD", "MALFORMED_QUERY", "INVALID_TYPE"})

# Bulk API 2.0 wraps the query's own error: "INVALIDJOB", then
# "Failed to process query: INVALID_FIELD: ..." in the message.
_WRAPPED = re.compile(r"(?:Failed to process query: )?([A-Z][A-Z_]*[A-Z]): ")

# Salesforce repeats the query with a caret under the fault, then this line.
_ECHO_END = re.compile(r"ERROR at Row:\d+:Column:\d+[ \t]*\n?")

_NAMED = (
    re.compile(r"No such column '([^']+)'"),
    re.compile(r"relationship '([^']+)'"),
    re.compile(r"field '([^']+)'"),
    re.compile(r"sObject type '([^']+)'"),
    re.compile(r"unexpected token: '([^']+)'"),
    re.compile(r"unexpected token: ([\w.]+)\s*$"),
    re.compile(r"duplicate field selected: ([\w.]+)"),
)


def read_error(
    code: str, message: str, fields: Sequence[str]
) -> tuple[str, str, tuple[str, ...]]:
    """The error's code, its message without the query, and the fields it names.

    Query errors rarely fill `fields`; their message names the field instead.
    """
    wrapped = _WRAPPED.match(message) if code == "INVALIDJOB" else None
    if wrapped is not None:
        code, message = wrapped.group(1), message[wrapped.end() :]
    message = without_echoed_query(message)
    if fields or code not in QUERY_ERRORS:
        return code, message, tuple(fields)
    return code, message, named_field(message)


def without_echoed_query(message: str) -> str:
    """The message after Salesforce's echo of the query, which may hold data."""
    echo = _ECHO_END.search(message)
    return (message[echo.end() :] if echo else message).strip()


def named_field(message: str) -> tuple[str, ...]:
    """The field (or token) a query error message points at, if it names one."""
    for pattern in _NAMED:
        found = pattern.search(message)
        if found is not None:
            return (found.group(1),)
    return ()
