"""A `crmbridge sync` stopped while its Bulk job runs: the next sync goes on
with that job rather than start another and read its rows again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sfemulator.server import EmulatorServer
from tests.e2e.conftest import Service
from tests.e2e.syncing import Org, Workspace

# Leads past 10 rows continue in Bulk; the run's bound is now.
BULK_ENV = {
    "CRMBRIDGE_SYNC_BULK_THRESHOLD": "10",
    "CRMBRIDGE_SYNC_SETTLE_SECONDS": "0",
    "CRMBRIDGE_LOG_LEVEL": "WARNING",
}


def leads_sync(service: Service, workspace: Workspace) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our interpreter, our module)
        [
            sys.executable,
            "-m",
            "entrypoints.cli",
            "sync",
            "--workspace",
            workspace.id,
            "--object",
            "Lead",
        ],
        env={**os.environ, **service.env, **BULK_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def waiting_for_its_bulk_job(workspace: Workspace, emulator: EmulatorServer) -> None:
    """Until the running sync has stored its REST page and the start of its
    Bulk job (its second call), which the emulator has made."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        jobs = workspace.call("GET", "/api/crm/salesforce/syncs").json()["items"]
        if jobs and jobs[0]["state"] == "running" and emulator.world.bulk_jobs:
            (leads,) = jobs[0]["progress"]
            if leads["api_calls"] >= 2:
                return
        time.sleep(0.02)
    raise AssertionError("no sync came to wait for its Bulk job")


def test_the_next_sync_goes_on_with_the_bulk_job_of_a_stopped_one(
    service: Service, workspace: Workspace, org: Org, emulator: EmulatorServer
) -> None:
    org.world.generate_records(org.id, accounts=0, contacts=0, leads=60)
    # 5 rows a REST page; the job answers InProgress twice (a 2 s wait).
    emulator.world.set_query_paging(page_size=5, bulk_polls=2)
    first = leads_sync(service, workspace)
    waiting_for_its_bulk_job(workspace, emulator)

    first.send_signal(signal.SIGTERM)
    stopped, _ = first.communicate(timeout=30)
    second = leads_sync(service, workspace)
    output, _ = second.communicate(timeout=60)

    assert first.returncode == 128 + signal.SIGTERM, stopped
    assert second.returncode == 0, output
    assert len(emulator.world.bulk_jobs) == 1
    people = workspace.people()
    assert len(people) == len({person["lead_id"] for person in people}) == 60
