"""A second OS process for the job liveness tests: runs a job, then waits.

Run as `python -m tests.integration.persistence.job_lock_holder FOLDER WS JOB`.
It holds the job's lock, prints "held", and ends the run cleanly on any line
from stdin; killed instead, it leaves the lock as a dead runner does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from adapters.liveness import FlockJobLiveness


def hold(folder: str, workspace_id: str, job_id: str) -> None:
    with FlockJobLiveness(Path(folder)).running(workspace_id, job_id) as ours:
        print("held" if ours else "taken", flush=True)
        sys.stdin.readline()


if __name__ == "__main__":
    hold(sys.argv[1], sys.argv[2], sys.argv[3])
