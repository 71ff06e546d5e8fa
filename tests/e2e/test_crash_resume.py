"""kill -9 a service in the middle of a sync, start it again, sync again: the
restarted service ends the killed run at once (its job lock reads free), and
the next run goes on from the last committed page, losing and repeating
nothing."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from domain.crm import CrmObject
from sfemulator.server import EmulatorServer
from tests.e2e.conftest import service_env
from tests.e2e.harness import listening_socket
from tests.e2e.syncing import (
    Copy,
    Org,
    OrgReader,
    Workspace,
    assert_mirrors,
    progress,
    rows_after,
)

PAGE_SIZE = 4
QUERIES = "/services/data/v62.0/queryAll"
# Far beyond the test: the killed run must end by its lock, not by silence.
STALE_SECONDS = 300


@contextmanager
def crmbridge_serve(
    env: dict[str, str], port: int, log: IO[bytes]
) -> Iterator[subprocess.Popen[bytes]]:
    """`crmbridge serve` as a child process; stopped (politely) on the way out."""
    child = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        healthy(f"http://127.0.0.1:{port}/health", child)
        yield child
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=15)


def healthy(url: str, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert child.poll() is None, "the service exited"
        try:
            if httpx.get(url, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the service did not answer /health")


def free_port() -> int:
    with listening_socket() as probe:
        port: int = probe.getsockname()[1]
    return port


def test_a_sync_killed_mid_run_resumes_from_its_last_committed_page(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    world = emulator.world
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = world.create_app(callback_urls=[f"{url}/api/oauth/callback/salesforce"])
    org = Org.new(world)
    made = world.generate_records(
        org.id, seed=11, accounts=8, contacts=20, leads=60, tie_block=6
    )
    env = service_env(emulator, tmp_path / "crash.sqlite3", url, tmp_path) | {
        "CRMBRIDGE_SYNC_STALE_SECONDS": str(STALE_SECONDS),
        "CRMBRIDGE_LOG_LEVEL": "INFO",
    }
    workspace = Workspace(url, env["CRMBRIDGE_JWT_SECRET"])
    log_path = tmp_path / "service.log"

    with log_path.open("wb") as log:
        with crmbridge_serve(env, port, log) as first_life:
            workspace.connect(emulator, org, app)
            world.set_query_paging(page_size=PAGE_SIZE)
            world.add_http_fault(
                path_prefix=QUERIES, count=100_000, action="delay", delay=0.1
            )
            killed = workspace.start_sync()["job_id"]
            while progress(workspace.job(killed), CrmObject.LEAD)["pages"] < 3:
                time.sleep(0.02)
            os.kill(first_life.pid, signal.SIGKILL)
            first_life.wait(timeout=10)
        world.clear_http_faults()

        with crmbridge_serve(env, port, log), OrgReader(emulator, org, app) as reader:
            left = workspace.job(killed)
            answer = workspace.call("POST", "/api/crm/salesforce/syncs")
            assert answer.status_code == 202, answer.text
            resumed = workspace.wait(answer.json()["job_id"])
            ended = workspace.job(killed)
            assert_mirrors(workspace, Copy.of(reader))
            after_the_kill = rows_after(
                reader, CrmObject.LEAD, progress(left, CrmObject.LEAD)["cursor"]
            )
        workspace.close()

    assert first_life.returncode == -signal.SIGKILL
    assert left["state"] == "failed"
    assert resumed["state"] == "succeeded", resumed
    assert ended["state"] == "failed"
    assert ended["problem"]["code"] == "sync_interrupted"
    committed = {obj: progress(left, obj) for obj in CrmObject}
    again = {obj: progress(resumed, obj) for obj in CrmObject}
    assert committed[CrmObject.ACCOUNT]["done"] is True
    assert committed[CrmObject.CONTACT]["records_seen"] == 0
    assert again[CrmObject.LEAD]["records_seen"] == after_the_kill
    # Nothing read twice: the second run starts where the first one committed.
    for obj in CrmObject:
        assert (
            committed[obj]["records_seen"] + again[obj]["records_seen"]
            == made[obj.value]
        )
    all_lead_pages = math.ceil(made["Lead"] / PAGE_SIZE)
    assert again[CrmObject.LEAD]["pages"] < all_lead_pages
    assert again[CrmObject.ACCOUNT]["records_seen"] == 0
    log_text = log_path.read_text("utf-8")
    assert f"job={killed}: ended as interrupted" in log_text
