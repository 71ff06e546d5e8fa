"""`dev.py test` (scripts/check.py) stopped by SIGTERM leaves no check running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SLOW_CHECK = (
    "import os, time; open({pid_file!r}, 'w').write(str(os.getpid())); time.sleep(60)"
)
RUNS_A_SLOW_CHECK = """
import signal, sys
sys.path.insert(0, {scripts!r})
import check
signal.signal(signal.SIGTERM, check._stopped)
check.run(["python", "-c", {check!r}])
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_stopped_check_run_stops_its_check(tmp_path: Path) -> None:
    pid_file = tmp_path / "check.pid"
    slow = SLOW_CHECK.format(pid_file=str(pid_file))
    script = RUNS_A_SLOW_CHECK.format(scripts=str(ROOT / "scripts"), check=slow)
    runner = subprocess.Popen([sys.executable, "-c", script])  # noqa: S603
    for _ in range(500):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.02)
    check_pid = int(pid_file.read_text())

    runner.send_signal(signal.SIGTERM)

    assert runner.wait(timeout=10) == 128 + signal.SIGTERM
    for _ in range(250):
        if not alive(check_pid):
            break
        time.sleep(0.02)
    assert not alive(check_pid)
