"""Start one contender from a small, fresh process and report its rusage.

    python benchmarks/launch.py REPORT.json COMMAND...

Linux carries a parent's resident set into its child's `ru_maxrss` (the
forked copy's high-water mark is recorded at exec), so a child of the harness,
which holds an org's worth of ids, would report at least the harness's size.
This launcher holds next to nothing: its children's peak RSS is their own.
It runs COMMAND with the launcher's stdin, stdout, stderr, cwd and
environment, waits for it with `wait4`, writes wall time, CPU time, peak
RSS and the `time.monotonic()` it started the command at to REPORT.json,
and exits with the command's status.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    report, command = Path(sys.argv[1]), sys.argv[2:]
    started_at, started = time.monotonic(), time.perf_counter()
    child = subprocess.Popen(command)  # noqa: S603 (the harness's own command)

    def stop(*_: Any) -> None:
        child.kill()

    signal.signal(signal.SIGTERM, stop)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = code = os.waitstatus_to_exitcode(status)
    measured = {
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_kib": usage.ru_maxrss,
        "started_at": started_at,
        "returncode": code,
    }
    report.write_text(json.dumps(measured), encoding="utf-8")
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
