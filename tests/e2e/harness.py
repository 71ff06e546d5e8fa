"""The service under test on real sockets, and the secrets it must never reveal."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import socket
import sqlite3
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvicorn

from adapters.clock import SystemClock
from entrypoints.http import create_app

_CANDIDATE = re.compile(r"[A-Za-z0-9_\-]{43,128}")


class ShiftableClock(SystemClock):
    """The system clock, moved forward when a test needs time to pass."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return super().now() + self.offset


class ServiceThread:
    """`create_app(container)` under uvicorn on its own 127.0.0.1 socket and loop."""

    def __init__(self, container: Any, sock: socket.socket) -> None:
        self.sock = sock
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(container),
                lifespan="on",
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=2,
            )
        )
        self.thread = threading.Thread(target=self._run, name="crmbridge-e2e")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def start(self) -> ServiceThread:
        self.thread.start()
        for _ in range(500):
            if self.server.started or not self.thread.is_alive():
                break
            threading.Event().wait(0.02)
        if not self.server.started:
            raise RuntimeError("the service did not start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))


def listening_socket() -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say
    # TCP, and without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class ServiceLog(logging.Handler):
    """Every record not from the test's own thread or the emulator's, formatted.

    The service's loop and its database driver threads are what is left.
    """

    OTHERS = frozenset({"MainThread", "sfemulator"})

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.threadName not in self.OTHERS:
            self.lines.append(self.format(record))

    def since(self, start: int, *, wait: float = 2.0) -> list[str]:
        """The lines after the first `start`, once there are any: the service
        logs a request after its answer is sent, so the last line of a test
        may still be on its way (at most `wait` seconds)."""
        deadline = time.monotonic() + wait
        while len(self.lines) <= start and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.lines[start:]


class Secrets:
    """What a test saw go by: states, codes, PKCE challenges and tokens."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.challenges: set[str] = set()

    def note_url(self, url: str) -> None:
        """An authorize URL or a callback location: keep its secret parameters."""
        query = parse_qs(urlsplit(url).query)
        for name in ("state", "code"):
            self.values.update(query.get(name, []))
        self.challenges.update(query.get("code_challenge", []))

    def note_world(self, world: Any) -> None:
        with world.lock:
            self.values.update(world.access_tokens)
            self.values.update(world.refresh_tokens)

    def found_in(self, text: str) -> list[str]:
        """Secrets `text` contains, verifiers included (found by their challenge)."""
        found = [value[:6] + "…" for value in self.values if value and value in text]
        for candidate in _CANDIDATE.findall(text):
            if s256(candidate) in self.challenges:
                found.append("a PKCE verifier")
        return found


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def database_text(path: Path) -> str:
    """Every value of every table of a SQLite file, as one string."""
    with sqlite3.connect(path) as database:
        tables = [
            row[0]
            for row in database.execute(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        ]
        cells = [
            str(value)
            for table in tables
            for row in database.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            for value in row
        ]
    return "\n".join(cells)
