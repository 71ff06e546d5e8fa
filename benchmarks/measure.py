"""Run one contender in its own process and measure it from the outside.

Wall time is taken around the whole child (start-up included: it is what a
user waits for); CPU time and peak RSS come from `wait4`, which reports the
resources of exactly that child, so one run never leaks into the next. The
child is started by `launch.py`, a small fresh process, because Linux counts
a parent's resident set into its child's peak (see there).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

LAUNCHER = Path(__file__).resolve().parent / "launch.py"


class ChildFailed(Exception):
    """Raised when a contender exits non-zero or overruns its time limit."""


@dataclass(frozen=True)
class Measured:
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    # `time.monotonic()` when the contender was started (see launch.py).
    started_at: float = 0.0
    output: dict[str, Any] = field(default_factory=dict)


def run_child(
    command: Sequence[str],
    *,
    stdin: Any = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: IO[bytes],
    timeout: float,
) -> Measured:
    """Run `command`, feed `stdin` as JSON, and parse its last stdout line as
    JSON when it is one."""
    with tempfile.TemporaryFile() as errors:
        measured, code = _measure(command, stdin, env, cwd, errors, timeout)
        errors.seek(0)
        text = errors.read()
    log.write(text)
    if code != 0:
        tail = text.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise ChildFailed(f"{command[:4]} exited with {code}: " + " | ".join(tail))
    return measured


def _measure(
    command: Sequence[str],
    stdin: Any,
    env: Mapping[str, str] | None,
    cwd: Path | None,
    errors: IO[bytes],
    timeout: float,
) -> tuple[Measured, int]:
    with tempfile.TemporaryDirectory(prefix="crmbridge-launch-") as folder:
        report = Path(folder) / "rusage.json"
        child = subprocess.Popen(  # noqa: S603 (commands built by the harness)
            [sys.executable, str(LAUNCHER), str(report), *command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        killer = threading.Timer(timeout, child.terminate)
        killer.start()
        try:
            assert child.stdin is not None
            assert child.stdout is not None
            if stdin is not None:
                child.stdin.write(json.dumps(stdin).encode())
            child.stdin.close()
            out = child.stdout.read()
            code = child.wait()
        except BaseException:
            # Interrupted (Ctrl-C, a `kill` of the harness): the launcher
            # kills the contender on SIGTERM, so none is left running.
            child.terminate()
            child.wait()
            raise
        finally:
            killer.cancel()
        if not report.exists():
            return Measured(0.0, 0.0, 0.0), code or 1
        usage = json.loads(report.read_text("utf-8"))
    measured = Measured(
        wall_seconds=usage["wall_seconds"],
        cpu_seconds=usage["cpu_seconds"],
        peak_rss_mb=usage["peak_rss_kib"] / 1024,  # Linux reports KiB
        started_at=usage["started_at"],
        output=_last_json(out.decode("utf-8", "replace")),
    )
    return measured, code


def _last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        return value if isinstance(value, dict) else {}
    return {}
