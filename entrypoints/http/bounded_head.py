"""uvicorn's httptools protocol with a bound on what a request holds besides
its body.

httptools buffers a request line or a header field until it ends, with no
limit of its own, and takes the trailer fields after a chunked body as
headers too, so a caller could make `serve` hold a head, or a trailer, of
any size. This protocol counts a request's bytes as they arrive, less its
body's, and once they pass `MAX_HEADER_BYTES` before the request ends,
answers 431 (if no answer has started) and closes the connection. A head
that arrives whole in one read is left to `HeaderLimit`, which sees it at
its exact size. A head still unfinished `head_seconds` after it began, or
the rest of a request (body, trailer) `rest_seconds` after its head, is
answered 408 and its connection closed, so a slow sender cannot hold a
connection open for ever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from entrypoints.http.header_limit import (
    HEAD_SECONDS,
    MAX_HEADER_BYTES,
    REST_SECONDS,
    too_large_body,
)

logger = logging.getLogger("crmbridge.access")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """`crmbridge serve`'s HTTP protocol (uvicorn's `http=` option)."""

    head_limit = MAX_HEADER_BYTES
    head_seconds = HEAD_SECONDS
    # For the rest of a request, once its head is in: body, trailer fields.
    rest_seconds = REST_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The request's bytes but its body's: head, chunk sizes, trailers.
        self._framing = 0
        self._in_head = False
        self._timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        self._framing += len(data)
        super().data_received(data)
        if self._framing > self.head_limit and not self.transport.is_closing():
            self._refuse()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._arm(self.head_seconds)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._arm(self.rest_seconds)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._framing -= len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()
        # Limitation: a pipelined request's head that came in the same read
        # as this request's end goes uncounted: that one read of the socket
        # is all it can hold past the limit.
        self._framing = 0

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _too_slow(self) -> None:
        """A head, or the rest of a request, still unfinished in its time:
        408 if no answer is under way, and the connection closed; a request
        whose answer is being written is left to finish it."""
        self._timer = None
        cycle = self.cycle
        if self.transport.is_closing():
            return
        if self._in_head:
            answer = cycle is None or cycle.response_complete
            what, seconds = "the request line and headers", self.head_seconds
        elif cycle.response_started and not cycle.response_complete:
            return
        else:
            answer = not cycle.response_started
            what, seconds = "the rest of the request", self.rest_seconds
        if answer:
            body = msgspec.json.encode(
                {
                    "code": "request_timeout",
                    "message": f"{what} did not arrive within {seconds:g} s",
                    "hint": "Send the whole request at once.",
                }
            )
            self.transport.write(_answer(b"408 Request Timeout", body))
        self.transport.close()
        logger.info("request unfinished after %g s refused", seconds)

    def _refuse(self) -> None:
        cycle = self.cycle
        if self._in_head:
            # No answer for this request yet; one before it may still be
            # writing its own, which a 431 must not cut into.
            answer = cycle is None or cycle.response_complete
        else:
            answer = not cycle.response_started
        if answer:
            body = too_large_body(self.head_limit)
            self.transport.write(_answer(b"431 Request Header Fields Too Large", body))
        self.transport.close()
        logger.info("request head or trailer past %d bytes refused", self.head_limit)


def _answer(status: bytes, body: bytes) -> bytes:
    """A whole JSON answer that closes its connection."""
    return (
        b"HTTP/1.1 " + status + b"\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n" + body
    )
