"""`crmbridge serve --workers 2`: both answer, and every sync runs exactly once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from adapters.encryption import FernetTokenCipher
from adapters.persistence import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    create_session_factory,
)
from domain.sync import SyncJob, SyncMode
from sfemulator.server import EmulatorServer
from tests.e2e.conftest import Service
from tests.e2e.harness import Secrets
from tests.e2e.syncing import Workspace
from tests.e2e.test_concurrency import free_port, wait_healthy


async def leave_queued(service: Service, workspace_id: str) -> str:
    """A job queued by a service that stopped before running it."""
    engine = create_database_engine(service.config.database_url)
    cipher = FernetTokenCipher(service.config.key_list)
    job = SyncJob.request(
        workspace_id=workspace_id,
        mode=SyncMode.INCREMENTAL,
        objects=None,
        requested_by="e2e",
        now=datetime.now(UTC),
    )
    try:
        units = SqlAlchemyUnitOfWorkFactory(create_session_factory(engine), cipher)
        async with units() as uow:
            await uow.sync_jobs.add(job)
            await uow.commit()
    finally:
        await engine.dispose()
    return job.job_id


@contextmanager
def serving_with_workers(
    service: Service, folder: Path, workers: int
) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = folder / "serve.log"
    command = ["serve", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as output:
        child = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
            [sys.executable, "-m", "entrypoints.cli", *command],
            env={**os.environ, **service.env, "CRMBRIDGE_LOG_LEVEL": "INFO"},
            cwd=folder,
            stdout=output,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, child)
        yield url, log
    finally:
        child.terminate()
        child.wait(timeout=30)


async def test_two_workers_run_each_sync_once_in_one_of_them(
    service: Service,
    workspace: Workspace,
    emulator: EmulatorServer,
    tmp_path: Path,
) -> None:
    left = await leave_queued(service, workspace.id)

    with serving_with_workers(service, tmp_path, workers=2) as (url, log):
        served = Workspace(url, service.config.jwt_secret, workspace.id)
        try:
            ended = [served.wait(left)]
            ended += [served.sync() for _ in range(4)]
        finally:
            served.close()

    logged = log.read_text("utf-8", "replace")
    secrets = Secrets()
    secrets.note_world(emulator.world)
    assert [job["state"] for job in ended] == ["succeeded"] * 5
    assert len(set(re.findall(r"Started server process \[(\d+)\]", logged))) == 2
    assert logged.count("this worker runs the sync jobs") == 1
    assert logged.count(f"resubmitting a queued sync workspace={workspace.id}") == 1
    for job in ended:
        started = f"sync started workspace={workspace.id} job={job['job_id']} "
        assert logged.count(started) == 1, job["job_id"]
    assert secrets.found_in(logged) == []


def test_workers_whose_serve_is_killed_stop_and_free_the_port(
    service: Service, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    command = ["serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        parent = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
            [sys.executable, "-m", "entrypoints.cli", *command],
            env={**os.environ, **service.env, "CRMBRIDGE_LOG_LEVEL": "INFO"},
            cwd=tmp_path,
            stdout=output,
            stderr=output,
        )
    workers: list[int] = []
    try:
        wait_healthy(f"http://127.0.0.1:{port}", parent)
        workers = started_workers(log, 2)

        parent.kill()
        parent.wait(timeout=10)
        lingering = still_running(workers, within=10)
        logged = log.read_text("utf-8", "replace")
    finally:
        for pid in workers:
            stop_if_running(pid)

    assert lingering == []
    assert can_bind(port)
    for pid in workers:
        assert f"is gone: this worker stops pid={pid}" in logged
        assert f"Finished server process [{pid}]" in logged
    assert logged.count("sync runner stopped") == 1


def started_workers(log: Path, count: int) -> list[int]:
    """The pids of the first `count` workers, as uvicorn logs their start."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        logged = log.read_text("utf-8", "replace")
        pids = re.findall(r"Started server process \[(\d+)\]", logged)
        if len(set(pids)) >= count:
            return sorted({int(pid) for pid in pids})
        time.sleep(0.1)
    raise AssertionError(f"{count} workers did not start")


def still_running(pids: list[int], *, within: float) -> list[int]:
    """Those of `pids` still running after `within` seconds, at most."""
    deadline = time.monotonic() + within
    while (running := [pid for pid in pids if is_running(pid)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    return running


def is_running(pid: int) -> bool:
    """Alive and not a zombie: an orphan that exits stays one until reaped,
    and init in a container may never reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # No /proc: ask the kernel whether the pid exists.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop_if_running(pid: int) -> None:
    """A worker this test started and left behind: never leave an orphan."""
    if is_running(pid):
        os.kill(pid, signal.SIGKILL)


def can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
