"""uvicorn's httptools protocol with a bound on what a request holds besides
its body.

httptools buffers a request line or a header field until it ends, with no
limit of its own, and takes the trailer fields after a chunked body as
headers too, so a caller could make `serve` hold a head, or a trailer, of
any size. This protocol counts a request's bytes as they arrive, less its
body's, and once they pass `MAX_HEADER_BYTES` before the request ends,
answers 431 (if no answer has started) and closes the connection. A head
that arrives whole in one read is left to `HeaderLimit`, which sees it at
its exact size.
"""

from __future__ import annotations

import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from entrypoints.http.header_limit import MAX_HEADER_BYTES, too_large_body

logger = logging.getLogger("crmbridge.access")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """`crmbridge serve`'s HTTP protocol (uvicorn's `http=` option)."""

    head_limit = MAX_HEADER_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The request's bytes but its body's: head, chunk sizes, trailers.
        self._framing = 0
        self._in_head = False

    def data_received(self, data: bytes) -> None:
        self._framing += len(data)
        super().data_received(data)
        if self._framing > self.head_limit and not self.transport.is_closing():
            self._refuse()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._framing -= len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # Limitation: a pipelined request's head that came in the same read
        # as this request's end goes uncounted: that one read of the socket
        # is all it can hold past the limit.
        self._framing = 0

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
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: application/json\r\n"
                b"content-length: " + str(len(body)).encode() + b"\r\n"
                b"connection: close\r\n\r\n" + body
            )
        self.transport.close()
        logger.info("request head or trailer past %d bytes refused", self.head_limit)
