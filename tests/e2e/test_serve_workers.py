"""`crmbridge serve --workers 2`: both answer, and every sync runs exactly once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
