"""`crmbridge sync`: one sync in the foreground, on the service's own database."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from adapters.encryption import FernetTokenCipher
from entrypoints.cli import main
from sfemulator.server import EmulatorServer
from tests.e2e.conftest import Service
from tests.e2e.syncing import Copy, Org, OrgReader, Workspace, assert_mirrors


def crmbridge_sync(
    service: Service, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    completed = subprocess.run(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "entrypoints.cli", "sync", *args],
        env={
            **os.environ,
            **service.env,
            "CRMBRIDGE_LOG_LEVEL": "WARNING",
            **(env or {}),
        },
        capture_output=True,
        timeout=120,
        check=False,
    )
    return completed.returncode, (completed.stdout + completed.stderr).decode()


def test_a_sync_from_the_command_line_shows_progress_and_fills_the_store(
    service: Service,
    workspace: Workspace,
    org: Org,
    reader: OrgReader,
    emulator: EmulatorServer,
) -> None:
    made = org.world.generate_records(
        org.id, seed=5, accounts=6, contacts=12, leads=14, deleted_fraction=0.2
    )
    emulator.world.set_query_paging(page_size=5)

    code, output = crmbridge_sync(
        service, "--workspace", workspace.id, "--mode", "full"
    )

    assert code == 0, output
    assert f"Lead: {made['Lead']} seen" in output
    assert f"Contact: {made['Contact']} seen" in output
    # A page per call, and one more per object for the ids changed after the
    # full run's window, which its sweep must leave alone.
    assert "3 pages, 4 API calls" in output
    assert "succeeded" in output
    assert "records" in output
    assert_mirrors(workspace, Copy.of(reader))
    history = workspace.call("GET", "/api/crm/salesforce/syncs").json()["items"]
    assert [(job["mode"], job["state"]) for job in history] == [("full", "succeeded")]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_report_nobody_can_write_is_one_line_not_a_traceback(
    service: Service, workspace: Workspace, org: Org
) -> None:
    org.world.generate_records(org.id, accounts=2, contacts=2, leads=2)

    command = [sys.executable, "-m", "entrypoints.cli", "sync"]
    with open("/dev/full", "wb") as full:
        done = subprocess.run(  # noqa: S603 (our interpreter, our module)
            [*command, "--workspace", workspace.id],
            env={**os.environ, **service.env, "CRMBRIDGE_LOG_LEVEL": "WARNING"},
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )

    said = done.stderr.decode()
    assert done.returncode == 1, said
    assert "Error: could not write the output: No space left on device" in said
    assert "Traceback" not in said
    # The sync itself ran to its end; only its report was lost.
    history = workspace.call("GET", "/api/crm/salesforce/syncs").json()["items"]
    assert [job["state"] for job in history] == ["succeeded"]


def test_a_paused_sync_exits_non_zero_with_the_problem(
    service: Service, workspace: Workspace, org: Org, emulator: EmulatorServer
) -> None:
    org.world.generate_records(org.id, accounts=5, contacts=0, leads=0)
    emulator.world.set_query_paging(page_size=2)  # more calls than the first
    emulator.world.set_quota(org.id, used=14_000, maximum=15_000)

    code, output = crmbridge_sync(
        service, "--workspace", workspace.id, "--object", "Account"
    )

    assert code == 1
    assert "paused" in output
    assert "daily API requests" in output
    assert "goes on from its last committed page" in output


@pytest.mark.parametrize("maximum", [9, 16, 25])
def test_the_bulk_path_spends_no_call_past_the_quota_reserve(
    service: Service,
    workspace: Workspace,
    org: Org,
    emulator: EmulatorServer,
    maximum: int,
) -> None:
    """Status polls, describes and Bulk jobs started ahead counted too: a
    tester's run spent the whole quota while a job stayed InProgress."""
    org.world.generate_records(org.id, accounts=40, contacts=60, leads=60)
    emulator.world.set_query_paging(page_size=20, bulk_polls=1)
    emulator.world.set_quota(org.id, used=0, maximum=maximum)

    code, output = crmbridge_sync(
        service,
        "--workspace",
        workspace.id,
        "--mode",
        "full",
        env={
            "CRMBRIDGE_SYNC_BULK_THRESHOLD": "30",
            "CRMBRIDGE_SYNC_SETTLE_SECONDS": "0",
        },
    )

    used = org.world.orgs[org.id].daily_api_used
    assert code == 1, output
    assert "the rest is kept for its other tools" in output
    assert used <= math.ceil(0.8 * maximum), output


def slow_sync_running(
    service: Service, workspace: Workspace, org: Org, emulator: EmulatorServer
) -> tuple[subprocess.Popen[bytes], str]:
    """A `crmbridge sync` child reading 40 Leads two at a time, slowly, and
    the id of its job once it runs."""
    org.world.generate_records(org.id, accounts=0, contacts=0, leads=40)
    emulator.world.set_query_paging(page_size=2)
    emulator.world.add_http_fault(
        path_prefix="/services/data/", count=1000, action="delay", delay=0.1
    )
    child = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "entrypoints.cli", "sync", "--workspace", workspace.id],
        env={**os.environ, **service.env, "CRMBRIDGE_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return child, running_job(workspace)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_pauses_the_sync_so_the_next_one_can_start_at_once(
    service: Service,
    workspace: Workspace,
    org: Org,
    emulator: EmulatorServer,
    stop: signal.Signals,
) -> None:
    child, job = slow_sync_running(service, workspace, org, emulator)

    child.send_signal(stop)
    output, _ = child.communicate(timeout=30)
    emulator.world.clear_http_faults()
    stopped = workspace.job(job)
    after = workspace.start_sync(objects=["Lead"])

    assert child.returncode == 128 + stop, output
    assert f"sync stopped ({stop.name}): a run it interrupted is paused" in (
        output.decode()
    )
    assert stopped["state"] == "paused"
    assert stopped["problem"]["code"] == "sync_stopped"
    assert after["state"] == "queued"
    assert workspace.wait(after["job_id"])["state"] == "succeeded"


def test_a_killed_sync_command_does_not_block_the_next_sync(
    service: Service, workspace: Workspace, org: Org, emulator: EmulatorServer
) -> None:
    child, job = slow_sync_running(service, workspace, org, emulator)

    child.kill()
    child.communicate(timeout=30)
    emulator.world.clear_http_faults()
    left = workspace.job(job)
    answer = workspace.call(
        "POST", "/api/crm/salesforce/syncs", json={"objects": ["Lead"]}
    )
    ended = workspace.job(job)

    assert child.returncode == -signal.SIGKILL
    assert left["state"] == "running"
    assert answer.status_code == 202, answer.text
    assert ended["state"] == "failed"
    assert ended["problem"]["code"] == "sync_interrupted"
    assert workspace.wait(answer.json()["job_id"])["state"] == "succeeded"


def running_job(workspace: Workspace) -> str:
    """The id of the workspace's sync once it has committed a page."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        jobs = workspace.call("GET", "/api/crm/salesforce/syncs").json()["items"]
        latest = jobs[0] if jobs else {"state": None, "progress": []}
        if latest["state"] == "running" and any(
            item["pages"] for item in latest["progress"]
        ):
            job_id: str = latest["job_id"]
            return job_id
        time.sleep(0.05)
    raise AssertionError("no sync started running")


def test_a_workspace_without_a_connection_is_told_to_connect(
    service: Service,
) -> None:
    code, output = crmbridge_sync(service, "--workspace", "nobody-here")

    assert code == 1
    assert "Connect Salesforce" in output
    assert "Traceback" not in output


def test_tokens_no_key_opens_are_a_problem_not_a_traceback(
    service: Service, workspace: Workspace
) -> None:
    other_key = {"CRMBRIDGE_ENCRYPTION_KEYS": FernetTokenCipher.generate_key()}

    code, output = crmbridge_sync(service, "--workspace", workspace.id, env=other_key)

    assert code == 1
    assert "cannot be decrypted with the configured encryption keys." in output
    assert "disconnect Salesforce" in output
    assert "Traceback" not in output
    assert workspace.call("GET", "/api/crm/salesforce/syncs").json()["items"] == []


def test_bad_options_are_refused_before_anything_runs() -> None:
    runner = CliRunner()

    unknown = runner.invoke(main, ["sync", "--workspace", "w", "--object", "Case"])
    bad_mode = runner.invoke(main, ["sync", "--workspace", "w", "--mode", "all"])
    missing = runner.invoke(main, ["sync"])

    assert unknown.exit_code == 2
    assert "--object" in unknown.output
    assert bad_mode.exit_code == 2
    assert "--mode" in bad_mode.output
    assert missing.exit_code == 2
    assert "--workspace" in missing.output
