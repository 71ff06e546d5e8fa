"""uvicorn's httptools protocol with a bound on a request's head.

httptools buffers a request line or header until it ends, with no limit of
its own, so a caller could make `serve` hold a head of any size before the
app sees it. This protocol counts the bytes of a head as they arrive and,
once they pass `MAX_HEADER_BYTES` with the head still unfinished, answers
431 and closes the connection. A head that arrives whole in one read is
left to `HeaderLimit`, which sees it at its exact size.
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
        self._in_head = True
        self._head_bytes = 0

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (
            self._in_head
            and self._head_bytes > self.head_limit
            and not self.transport.is_closing()
        ):
            self._refuse_head()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # A pipelined request's head may follow in the same read.
        self._in_head = True
        self._head_bytes = 0

    def _refuse_head(self) -> None:
        body = too_large_body(self.head_limit)
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
        logger.info("request head past %d bytes refused: 431", self.head_limit)
