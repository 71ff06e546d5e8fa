"""Run every check the project has: lint, format, types, layers, then all tests.

Extra arguments go to pytest, e.g. `python3 dev.py test -k pkce`; with any
pytest argument the static checks are skipped for a quick loop.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

STATIC_CHECKS = [
    ["ruff", "check", "."],
    ["ruff", "format", "--check", "."],
    ["mypy"],
    ["lint-imports"],
]


class Stopped(Exception):
    """SIGTERM reached this process."""


def _stopped(_signum: int, _frame: FrameType | None) -> None:
    raise Stopped


def run(step: list[str]) -> int:
    """Run one check; a stop ends it too, so no test run is left behind."""
    print(f"==> {' '.join(step)}", flush=True)
    command = [str(BIN / step[0]), *step[1:]]
    child = subprocess.Popen(command, cwd=ROOT)  # noqa: S603
    try:
        return child.wait()
    except Stopped:
        child.terminate()
        child.wait()
        sys.exit(128 + signal.SIGTERM)
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reached the check too: let it end on its own.
        child.wait()
        sys.exit(128 + signal.SIGINT)


def main() -> None:
    signal.signal(signal.SIGTERM, _stopped)
    pytest_args = sys.argv[1:]
    failed = []
    if not pytest_args:
        failed = [step[0] for step in STATIC_CHECKS if run(step) != 0]
    if run(["pytest", *pytest_args]) != 0:
        failed.append("pytest")
    if failed:
        sys.exit(f"checks failed: {', '.join(failed)}")
    if pytest_args:
        print("the tests asked for passed (static checks skipped: pytest arguments)")
    else:
        print("all checks passed")


if __name__ == "__main__":
    main()
