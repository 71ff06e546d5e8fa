"""The `crmbridge` console script: the command line, quiet while it loads.

Loading the command line takes a few tenths of a second. A Ctrl-C or a
SIGTERM meanwhile ends the process with the usual status, 128 plus the
signal's number, and no traceback; once it has loaded, each command answers
them as it documents (`crmbridge sync` pauses its job).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


def main() -> None:
    with quiet_stops():
        from entrypoints.cli import main as command_line
    command_line()


@contextmanager
def quiet_stops() -> Iterator[None]:
    """SIGINT and SIGTERM exit at once inside the block; what handled them
    before does again after it."""
    stops = (signal.SIGINT, signal.SIGTERM)
    before = {stop: signal.signal(stop, _exit) for stop in stops}
    try:
        yield
    finally:
        for stop, handler in before.items():
            signal.signal(stop, handler)


def _exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
