"""scripts/stop_signals.py against a sync stopped while it starts: every
stop ends it with 128 plus the signal's number, and the script says so."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "stop_signals.py"
CRMBRIDGE = Path(sys.executable).parent / "crmbridge"


def test_stops_while_the_command_starts_end_it_with_their_status(
    tmp_path: Path,
) -> None:
    if not CRMBRIDGE.exists():
        pytest.skip(f"{CRMBRIDGE} is not installed (dev.py installs it)")
    env = {**os.environ, "CRMBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    # Well past the interpreter's own start (about 0.02 s, see the README; a
    # loaded machine stretches it), well before a fresh database's sync ends.
    delays = ["--min-delay", "0.25", "--max-delay", "0.35"]
    tries = ["--tries", "6", *delays, "--seed", "3"]

    done = subprocess.run(  # noqa: S603 (this interpreter, the repo's script)
        [sys.executable, str(SCRIPT), *tries],
        cwd=tmp_path,  # the syncs' ./.crmbridge goes here, not into the repo
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    lines = done.stdout.splitlines()
    assert lines[-1] == "0 of 6 with a traceback or killed"
    assert done.returncode == 0
    tallied = [line.split() for line in lines[:-1]]
    assert sum(int(words[0]) for words in tallied) == 6
    for words in tallied:
        # count, signal, "exit", status, the last line said
        assert int(words[3]) == {"SIGINT": 130, "SIGTERM": 143}[words[1]]


def test_a_try_is_tallied_by_the_last_line_it_said_job_ids_left_out() -> None:
    script = _script()
    warned = "CRMBRIDGE_ENCRYPTION_KEYS is not set: using a generated value\n"
    job = "0193c0de-1234-7abc-8def-0123456789ab"

    bars = f"sync {job} started (full)\nContact  ━━━━━ 20/20 records, 1 pages\n"
    paused = script.outcome("", warned + bars + "sync stopped (SIGINT): a run ...\n")
    succeeded = script.outcome(f"Lead: 3 seen\nsync {job} succeeded\n", warned + bars)
    refused = script.outcome("", warned + "Error: Salesforce is not connected.\n")

    assert paused == "sync stopped (SIGINT): a run ..."
    assert succeeded == "sync <job> succeeded"
    assert refused == "Error: Salesforce is not connected."
    assert script.outcome("", bars) == "Contact  ━━━━━ 20/20 records, 1 pages"
    assert script.outcome("", "") == ""


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stop_signals", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
