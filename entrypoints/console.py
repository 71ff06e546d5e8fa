"""The `crmbridge` console script: the command line, quiet while it loads.

Loading the command line takes a few tenths of a second. A Ctrl-C or a
SIGTERM meanwhile ends the process with the usual status, 128 plus the
signal's number, and no traceback; once it has loaded, each command answers
them as it documents (`crmbridge sync` pauses its job).

This module imports only what the stop handlers need (`logging` alone
costs 9 ms, `typing` 5 ms), so they are in place sooner; before them, in
the interpreter's own start, Python's defaults apply (see the README).

The process ends with `os._exit`, not an exception: an exception raised by
a signal handler in the middle of an import can be swallowed by the import
machinery (a weakref callback, a class's `__set_name__`), and the command
would carry on as if the signal had never come.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType

# `typing` costs 5 ms to load (it loads `re`); the annotations need it only
# for the type checker, which takes this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

# The signals that ask a crmbridge process to stop.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Set once a command's work has ended (see `finish`), and the stops heard
# since, or by the work before it ended.
_work_ended = False
_heard: list[int] = []


def main() -> None:
    standard_streams()
    with quiet_stops(), collector_paused():
        from entrypoints.cli import main as command_line
    finish(command_line)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No collector pass inside the block (what was on before is on again
    after it), and none over what it left: for a command's imports.

    Loading `crmbridge sync` leaves over 130,000 objects the collector
    tracks (modules, classes, functions) and makes little garbage; each
    pass, every 700 new objects, walked those made so far again, about an
    eighth of the loading's CPU time (`perf stat -r 10 python -c "import
    entrypoints.cli, entrypoints.sync_command"`, with and without
    `gc.disable()` first).

    Those objects were still the youngest generation when the block ended,
    so the first pass after it walked them all, and a later one again
    (benchmarks/README.md, item 29). They go straight to the
    oldest generation instead, which only a full pass walks: `gc.freeze()`
    and then `gc.unfreeze()` move every tracked object there. Skipped when
    something is frozen already, as unfreezing would give it back.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_on:
            gc.enable()


def standard_streams() -> None:
    """Put /dev/null where a standard stream was closed (`>&-`).

    The next file the process opened took the closed stream's number, and
    the event loop (uvloop) aborts the process when it is asked to close
    number 0, 1 or 2 (status 134). Python also starts with `sys.stdout` as
    None then; it writes to /dev/null instead.
    """
    for number, name, mode in (
        (0, "stdin", "r"),
        (1, "stdout", "w"),
        (2, "stderr", "w"),
    ):
        try:
            os.fstat(number)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != number:
                os.dup2(null, number)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(number, mode, closefd=False))  # noqa: SIM115


def finish(command_line: Callable[[], object]) -> None:
    """Run the command line; if its work had ended (`stops_interrupt_nothing`),
    end the process as soon as it exits, with its status.

    Python's own shutdown (its modules torn down one by one: a tenth of a
    second or more) puts the default signal handlers back first, so a stop
    in that stretch killed the process by the signal; it has nothing left
    to do that needs the shutdown, its output flushed.
    """
    try:
        command_line()
    except SystemExit as done:
        if _work_ended:
            import logging  # loaded by the command by now; not before the stops

            logging.shutdown()
            _exit_at_once(done.code)
        raise
    except OSError as exc:
        if exc.errno not in _OUTPUT_GONE:
            raise
        # The output could not be written: a full disk, or a reader that
        # went away (`| head`, which wants no more and no complaint).
        if exc.errno != errno.EPIPE:
            with contextlib.suppress(OSError):
                os.write(
                    2, f"Error: could not write the output: {exc.strerror}\n".encode()
                )
        os._exit(1)


# Raised by a write to stdout nobody can take; nothing else reaches the top as
# a bare OSError (the database's errors come wrapped, the commands' reported).
_OUTPUT_GONE = frozenset({errno.ENOSPC, errno.EPIPE})


def _exit_at_once(code: object) -> NoReturn:
    if isinstance(code, str):
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def end_at_once(signum: int, said: str | None = None) -> NoReturn:
    """End the process now, stopped by `signum` (128 plus its number), after
    writing `said` to stderr, its `{signal}` filled in with the signal's
    name. No exception: see the module's docstring."""
    if said is not None:
        name = signal.Signals(signum).name
        os.write(2, (said.format(signal=name) + "\n").encode())
    os._exit(128 + signum)


def quiet_stops() -> AbstractContextManager[None]:
    """SIGINT and SIGTERM end the process at once inside the block, saying
    nothing."""
    return stops_end_at_once()


@contextmanager
def stops_end_at_once(said: str | None = None) -> Iterator[None]:
    """Inside the block, until something else handles them, SIGINT and
    SIGTERM end the process at once with 128 plus the signal's number,
    after writing `said` (its `{signal}` filled in with the signal's name)
    to stderr. What handled them before does again after the block, unless
    something else has taken them by then.

    Only for stretches with nothing to undo: loading, or a command's set-up
    before its work begins.
    """

    def stop(signum: int, _frame: FrameType | None) -> None:
        end_at_once(signum, said)

    before = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in before.items():
            # Unless something else has taken the signal since.
            if signal.getsignal(signum) is stop:
                signal.signal(signum, handler)


def stops_interrupt_nothing(said: str, *, heard: Iterable[int] = ()) -> None:
    """From here on, for the rest of the process: a command's work has ended
    and it only reports and exits, with the status its work earned. A first
    SIGINT or SIGTERM is let be; a second ends the process at once with 128
    plus its number, after writing `said` (its `{signal}` filled in).
    `heard`: stops the work took before it ended; with one, the next stop is
    a second. A later call adds what it heard and changes nothing else.

    Before, a stop in those last milliseconds killed the process by the
    signal, and a succeeded sync read as failed. For the interpreter's own
    shutdown, see `finish`.
    """
    global _work_ended
    if _work_ended:
        _heard.extend(heard)
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        if _heard:
            end_at_once(signum, said)
        _heard.append(signum)

    # Taking a signal runs any stop already on its way first; if that raises
    # (the default SIGINT handler), a call again takes over what is left.
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    _heard.extend(heard)
    _work_ended = True
