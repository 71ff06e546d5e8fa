"""Hear that this process was asked to stop, before its server says so.

uvicorn turns SIGINT and SIGTERM into a graceful shutdown: the worker stops
accepting, finishes its requests, and only then ends the app's lifespan. A
part that must act at once (the runner election) chains a callback in front
of the handler uvicorn installed, and takes it out again when it stops.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from entrypoints.console import STOP_SIGNALS

logger = logging.getLogger(__name__)


class StopSignals:
    """While installed, SIGINT and SIGTERM call `heard`, then their handler
    from before (the server's), which still decides what stopping means."""

    def __init__(self, heard: Callable[[], None]) -> None:
        self._heard = heard
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        """Chain in front of the current handlers; a no-op off the main thread,
        where Python lets no one set a handler (a test client's thread)."""
        if not _on_main_thread():
            logger.debug("stop signals not watched: not the main thread")
            return
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.getsignal(sig)
            signal.signal(sig, self._handle)

    def restore(self) -> None:
        """Put the handlers from before back, where nobody chained after us."""
        if not _on_main_thread():
            return
        for sig, previous in self._previous.items():
            if signal.getsignal(sig) == self._handle:
                signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, sig: int, frame: FrameType | None) -> None:
        self._heard()
        previous = self._previous.get(sig)
        if callable(previous):
            previous(sig, frame)
        elif previous == signal.SIG_DFL:
            # Nobody handled it before us: let it do what it does by default.
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
