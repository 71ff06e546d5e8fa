"""A worker that cannot hand its sync to the runner, and a runner folder that
cannot serve at all: clear problems, and no job left queued."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dependency_injector import providers

from adapters.encryption import FernetTokenCipher
from entrypoints.cli import main
from entrypoints.container import resolve
from entrypoints.worker import (
    InProcessSyncScheduler,
    RunnerFolderUnusable,
    SharedSyncScheduler,
    check_runner_folder,
)
from tests.unit.entrypoints.conftest import SYNCS, Api


@pytest.fixture
async def follower(api: Api, tmp_path: Path) -> SharedSyncScheduler:
    """A worker's scheduler that does not run jobs: it hands them over."""
    runner = await resolve(api.container.runner, InProcessSyncScheduler)
    shared = SharedSyncScheduler(runner, tmp_path / "runner")
    api.container.scheduler.override(providers.Object(shared))
    return shared


async def test_a_failed_handoff_answers_503_and_leaves_no_job_queued(
    api: Api, follower: SharedSyncScheduler, tmp_path: Path
) -> None:
    await api.connect()
    blocker = tmp_path / "runner" / "handoffs"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")

    refused = await api.client.post(SYNCS, headers=api.auth())
    history = (await api.client.get(SYNCS, headers=api.auth())).json()["items"]
    blocker.unlink()
    again = await api.client.post(SYNCS, headers=api.auth())

    assert refused.status_code == 503
    assert refused.json()["code"] == "sync_not_scheduled"
    assert refused.json()["hint"]
    assert str(tmp_path) not in refused.text
    assert [(job["state"], job["problem"]["code"]) for job in history] == [
        ("failed", "sync_not_scheduled")
    ]
    assert again.status_code == 202
    assert len(list((tmp_path / "runner" / "handoffs").glob("*.job"))) == 1


def test_a_usable_runner_folder_is_made_ready(tmp_path: Path) -> None:
    check_runner_folder(tmp_path / "runner" / "db")

    assert (tmp_path / "runner" / "db" / "handoffs").is_dir()
    assert list((tmp_path / "runner" / "db" / "handoffs").iterdir()) == []


def test_an_unusable_runner_folder_is_said_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "runner").write_text("not a folder")

    with pytest.raises(RunnerFolderUnusable) as raised:
        check_runner_folder(tmp_path / "runner" / "db")

    assert "\n" not in str(raised.value)
    assert "runner folder is not usable" in str(raised.value)


def test_serve_with_workers_refuses_an_unusable_runner_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".crmbridge").mkdir()
    (tmp_path / ".crmbridge" / "runner").write_text("not a folder")
    served: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: served.append(args))
    env = {
        "CRMBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key(),
        "CRMBRIDGE_JWT_SECRET": "w" * 48,
    }

    result = CliRunner().invoke(main, ["serve", "--workers", "2"], env=env)

    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: the sync runner folder is not usable")
    assert "Traceback" not in result.output
    assert served == []
