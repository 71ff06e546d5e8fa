"""Keeps httpx's own request log lines free of query strings (SOQL, say)."""

from __future__ import annotations

import logging

import httpx


class DropQueryStrings(logging.Filter):
    """Rewrites the URL in httpx's `HTTP Request: ...` INFO line to host and path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.copy_with(query=None, fragment=None)
                if isinstance(arg, httpx.URL)
                else arg
                for arg in record.args
            )
        return True


def redact_httpx_logs() -> None:
    """Install the filter on the `httpx` logger once; later calls do nothing."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, DropQueryStrings) for f in httpx_logger.filters):
        httpx_logger.addFilter(DropQueryStrings())
