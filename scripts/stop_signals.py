"""Stop `crmbridge sync` with SIGINT or SIGTERM at random moments; tally how it ends.

    .venv/bin/python scripts/stop_signals.py --workspace acme --tries 100

Each try starts `crmbridge sync --workspace W --mode M` with this process's
environment (set `CRMBRIDGE_DATABASE_URL` and the rest as for any sync),
sends SIGINT or SIGTERM after a random delay, and waits for it. It prints
how many tries ended how (signal, exit status, last line said) and
every try whose stderr holds a Python traceback or that the signal itself
killed (a negative status: no handler of the command took it), and exits 1
if there was one. A stop must end the command with 128 plus the signal's
number; a try that ended before its signal, or whose signal came after its
work had ended, exits with the work's own status and is counted as such.
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

CRMBRIDGE = Path(sys.executable).parent / "crmbridge"
JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STOPS = (signal.SIGINT, signal.SIGTERM)


def one_try(
    command: list[str], stop: signal.Signals, delay: float
) -> tuple[int, str, str]:
    """The exit status, stdout and stderr of one run stopped by `stop` after
    `delay`."""
    child = subprocess.Popen(  # noqa: S603 (the venv's own crmbridge)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(delay)
    if child.poll() is None:
        child.send_signal(stop)
    output, errors = child.communicate(timeout=120)
    return child.returncode, output, errors


def outcome(output: str, errors: str) -> str:
    """What a try ended with: its stop or error line on stderr ("sync
    stopped ...", "Error: ..."), else its last line on stdout (the sync's
    "succeeded"), else its last line on stderr (a progress bar, a traceback);
    job ids left out so that alike ends count together."""
    said = [
        line.strip()
        for line in errors.splitlines()
        if line.startswith(("sync stopped", "Error:"))
    ]
    lines = said or output.strip().splitlines() or errors.strip().splitlines()
    return JOB_ID.sub("<job>", lines[-1])[:70] if lines else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", default="w", help="the workspace to sync")
    parser.add_argument(
        "--mode", default="full", choices=["full", "incremental"], help="sync mode"
    )
    parser.add_argument("--tries", type=int, default=100, help="syncs to stop")
    parser.add_argument(
        "--min-delay", type=float, default=0.05, help="earliest stop, seconds"
    )
    parser.add_argument(
        "--max-delay", type=float, default=1.0, help="latest stop, seconds"
    )
    parser.add_argument("--seed", type=int, default=1, help="of the random delays")
    options = parser.parse_args(argv)
    chance = random.Random(options.seed)  # noqa: S311 (test timing, not secrets)
    command = [str(CRMBRIDGE), "sync", "--workspace", options.workspace]
    command += ["--mode", options.mode]
    outcomes: collections.Counter[tuple[str, int, str]] = collections.Counter()
    tracebacks = []
    for _ in range(options.tries):
        stop = chance.choice(STOPS)
        delay = chance.uniform(options.min_delay, options.max_delay)
        status, output, errors = one_try(command, stop, delay)
        ended = outcome(output, errors)
        outcomes[(stop.name, status, ended)] += 1
        if "Traceback" in errors or status < 0:
            tracebacks.append(
                f"{stop.name} at {delay:.3f} s, exit {status}: {ended or '(nothing)'}"
            )
    for (name, status, first), count in sorted(outcomes.items()):
        print(f"{count:5d}  {name:7s} exit {status:4d}  {first or '(nothing)'}")
    print(f"{len(tracebacks)} of {options.tries} with a traceback or killed")
    for line in tracebacks:
        print(f"  {line}")
    return 1 if tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
