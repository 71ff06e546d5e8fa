"""The e2e run keeps its `./.crmbridge/` in a folder of its own, not the checkout."""

from __future__ import annotations

from pathlib import Path

from entrypoints.worker import runner_folder
from tests.e2e.conftest import Service
from tests.e2e.syncing import Workspace


def test_the_service_holds_its_job_locks_in_the_session_s_folder(
    service: Service, workspace: Workspace, home: Path
) -> None:
    job = workspace.start_sync(objects=["Lead"])

    done = workspace.wait(job["job_id"])

    runner = runner_folder(service.config.database_url, home / ".crmbridge")
    assert done["state"] == "succeeded"
    assert (runner / "jobs").is_dir()
    assert Path.cwd() == home
