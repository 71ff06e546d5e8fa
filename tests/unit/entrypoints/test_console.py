"""The `crmbridge` console script's stop signals: while the command line
loads, a stop ends the process quietly with the status a shell expects;
once a command's work has ended, a first stop interrupts nothing."""

from __future__ import annotations

import gc
import importlib
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from entrypoints.console import (
    collector_paused,
    quiet_stops,
    stops_end_at_once,
    stops_interrupt_nothing,
)
from tests.support.scripts import run_python

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(sys.executable).parent / "crmbridge"

# Each signals itself inside the block, as a Ctrl-C at that moment would.
STOPPED_WHILE_LOADING = """
import os, signal, sys, time
from entrypoints.console import quiet_stops
with quiet_stops():
    os.kill(os.getpid(), signal.{name})
    time.sleep(30)
sys.exit(3)
"""
STOPPED_BEFORE_THE_WORK = """
import os, signal, sys, time
from entrypoints.console import stops_end_at_once
with stops_end_at_once("sync stopped ({{signal}})"):
    os.kill(os.getpid(), signal.{name})
    time.sleep(30)
sys.exit(3)
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize(
    ("script", "said"),
    [(STOPPED_WHILE_LOADING, ""), (STOPPED_BEFORE_THE_WORK, "sync stopped ({})\n")],
    ids=["while loading", "before the work"],
)
def test_a_stop_exits_at_once_with_its_status_and_no_traceback(
    stop: signal.Signals, script: str, said: str
) -> None:
    done = run_python(script.format(name=stop.name))

    assert done.returncode == 128 + stop
    assert done.stderr == said.format(stop.name)


def test_the_handlers_from_before_are_back_after_the_block() -> None:
    before = {stop: signal.getsignal(stop) for stop in (signal.SIGINT, signal.SIGTERM)}

    with quiet_stops():
        assert signal.getsignal(signal.SIGINT) is not before[signal.SIGINT]
    assert {stop: signal.getsignal(stop) for stop in before} == before

    during: list[object] = []

    def fails() -> None:
        with stops_end_at_once("said"):
            during.append(signal.getsignal(signal.SIGTERM))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fails()
    assert during[0] is not before[signal.SIGTERM]
    assert {stop: signal.getsignal(stop) for stop in before} == before


# The work is done; a stop arrives, then (say) another one 0.2 s later.
STOPPED_AFTER_THE_WORK = """
import os, signal, sys, time
from entrypoints.console import stops_end_at_once, stops_interrupt_nothing
with stops_end_at_once("sync stopped ({{signal}})"):
    stops_interrupt_nothing("sync stopped at once ({{signal}})")
os.kill(os.getpid(), signal.{name})
time.sleep(0.2)
print("reported", flush=True)
if {twice}:
    os.kill(os.getpid(), signal.{name})
    time.sleep(30)
sys.exit(1)
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_after_the_work_a_stop_leaves_the_exit_status_to_the_work(
    stop: signal.Signals,
) -> None:
    once = run_python(STOPPED_AFTER_THE_WORK.format(name=stop.name, twice=False))
    twice = run_python(STOPPED_AFTER_THE_WORK.format(name=stop.name, twice=True))

    assert (once.returncode, once.stdout, once.stderr) == (1, "reported\n", "")
    assert (twice.returncode, twice.stdout) == (128 + stop, "reported\n")
    assert twice.stderr == f"sync stopped at once ({stop.name})\n"


# A stop that lands in Python's own shutdown: this object goes when the
# interpreter tears down `__main__`, after the default handlers are back.
STOPPED_IN_SHUTDOWN = """
import os, signal, sys, time
import click
from entrypoints.console import finish, stops_interrupt_nothing

class StopInShutdown:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.3)

kept = StopInShutdown()

@click.command()
def command():
    stops_interrupt_nothing("stopped at once ({{signal}})")
    print("done", flush=True)

finish(command) if {finished} else command()
"""


def test_once_the_work_has_ended_the_process_ends_before_shutdown() -> None:
    finished = run_python(STOPPED_IN_SHUTDOWN.format(finished=True))
    plain = run_python(STOPPED_IN_SHUTDOWN.format(finished=False))

    assert (finished.returncode, finished.stdout) == (0, "done\n")
    # Without `finish`, the shutdown's stop kills it: the case is real.
    assert (plain.returncode, plain.stdout) == (-signal.SIGTERM, "done\n")


def test_a_block_leaves_a_handler_set_inside_it_in_place() -> None:
    before = {stop: signal.getsignal(stop) for stop in (signal.SIGINT, signal.SIGTERM)}
    try:
        with stops_end_at_once("said"):
            stops_interrupt_nothing("said")
            inside = {stop: signal.getsignal(stop) for stop in before}

        assert {stop: signal.getsignal(stop) for stop in before} == inside
        assert inside != before
    finally:
        for stop, handler in before.items():
            signal.signal(stop, handler)


def test_the_console_script_starts_through_it() -> None:
    with (ROOT / "pyproject.toml").open("rb") as project:
        scripts = tomllib.load(project)["project"]["scripts"]

    assert scripts["crmbridge"] == "entrypoints.console:main"
    if not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} is not installed (dev.py installs it)")
    assert "entrypoints.console" in SCRIPT.read_text("utf-8")
    done = subprocess.run(  # noqa: S603 (the venv's own script)
        [str(SCRIPT), "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "crmbridge: connect workspaces to their Salesforce orgs." in done.stdout


@pytest.mark.parametrize("on_before", [True, False])
def test_the_collector_pauses_for_a_block_and_is_as_before_after_it(
    on_before: bool,
) -> None:
    was_on = gc.isenabled()
    (gc.enable if on_before else gc.disable)()
    try:
        seen: list[bool] = []
        with pytest.raises(ImportError):
            _import_missing_module_paused(seen)

        assert seen == [False]
        assert gc.isenabled() is on_before
    finally:
        (gc.enable if was_on else gc.disable)()


def _import_missing_module_paused(seen: list[bool]) -> None:
    with collector_paused():
        seen.append(gc.isenabled())
        importlib.import_module("entrypoints.no_such_module")


def test_what_the_block_left_goes_to_the_oldest_generation_without_a_pass() -> None:
    with collector_paused():
        made = [object()]

    assert any(kept is made for kept in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0


def test_what_is_frozen_before_the_block_stays_frozen() -> None:
    gc.freeze()
    try:
        with collector_paused():
            made = [object()]

        # Not given back (frozen objects may still be freed meanwhile, so
        # the count itself can drop a little).
        assert gc.get_freeze_count() > 0
        assert not any(kept is made for kept in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()


def test_the_stop_handlers_need_neither_logging_nor_typing_loaded() -> None:
    """What the console module loads delays the quiet stops; `-S` leaves
    out whatever a site's own start-up files load."""
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            "import sys, entrypoints.console; "
            "print(sorted({'logging', 'typing'} & set(sys.modules)))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
