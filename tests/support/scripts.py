"""Python snippets run in a child interpreter, from the repository's root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(script: str) -> subprocess.CompletedProcess[str]:
    """`script` run by this interpreter; its status, stdout and stderr."""
    return subprocess.run(  # noqa: S603 (this interpreter, the test's own code)
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
