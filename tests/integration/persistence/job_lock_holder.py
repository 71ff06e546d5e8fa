"""A second OS process for the job liveness tests: runs a job, then waits.

Run as `python -m tests.integration.persistence.job_lock_holder FOLDER WS JOB`.
It holds the job's lock, prints "held", and on a line from stdin lets it go:
"done" ends the run cleanly (its end stored, it forgets the lock file), any
other line as if its end could not be stored. Killed instead, it leaves the
lock as a dead runner does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from adapters.liveness import FlockLiveness


def hold(folder: str, workspace_id: str, job_id: str) -> None:
    liveness = FlockLiveness(Path(folder))
    with liveness.running(workspace_id, job_id) as ours:
        print("held" if ours else "taken", flush=True)
        if sys.stdin.readline().strip() == "done":
            liveness.forget(workspace_id, job_id)


if __name__ == "__main__":
    hold(sys.argv[1], sys.argv[2], sys.argv[3])
