"""A synced workspace disconnected and connected again, to its org or to
another one, over real sockets, SQLite and the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.crm import CrmObject
from sfemulator.scenario import Demo
from sfemulator.server import EmulatorServer
from tests.e2e.syncing import Copy, Org, OrgReader, Workspace, assert_mirrors, progress

CONNECTION = "/api/crm/salesforce/connection"
SHAPE = {"accounts": 6, "contacts": 12, "leads": 15, "deleted_fraction": 0.1}


@pytest.fixture
def other_org(emulator: EmulatorServer) -> Org:
    return Org.new(emulator.world)


@pytest.fixture
def other_reader(
    emulator: EmulatorServer, demo: Demo, other_org: Org
) -> Iterator[OrgReader]:
    with OrgReader(emulator, other_org, demo.app) as opened:
        yield opened


def reconnect(
    workspace: Workspace, emulator: EmulatorServer, org: Org, demo: Demo
) -> None:
    disconnected = workspace.call("DELETE", CONNECTION)
    assert disconnected.status_code == 200, disconnected.text
    workspace.connect(emulator, org, demo.app)


def test_reconnecting_to_the_same_org_keeps_the_copy_and_syncs_on_incrementally(
    workspace: Workspace,
    org: Org,
    reader: OrgReader,
    emulator: EmulatorServer,
    demo: Demo,
) -> None:
    emulator.world.generate_records(org.id, seed=5, **SHAPE)
    workspace.sync()
    before = workspace.people()

    reconnect(workspace, emulator, org, demo)
    job = workspace.sync()

    assert workspace.people() == before
    assert [progress(job, obj)["records_seen"] for obj in CrmObject] == [0, 0, 0]
    assert_mirrors(workspace, Copy.of(reader))


def test_connecting_to_another_org_serves_only_that_org_after_one_sync(
    workspace: Workspace,
    org: Org,
    other_org: Org,
    other_reader: OrgReader,
    emulator: EmulatorServer,
    demo: Demo,
) -> None:
    emulator.world.generate_records(
        org.id, seed=5, start="2025-06-01T00:00:00Z", **SHAPE
    )
    workspace.sync()
    # Every record of the new org is older than the first org's cursors.
    made = emulator.world.generate_records(
        other_org.id, seed=6, start="2024-01-01T00:00:00Z", **SHAPE
    )

    reconnect(workspace, emulator, other_org, demo)
    emptied = (workspace.people(), workspace.companies())
    job = workspace.sync()

    assert emptied == ([], [])
    assert_mirrors(workspace, Copy.of(other_reader))
    for obj in CrmObject:
        assert progress(job, obj)["records_seen"] == made[obj.value]


def test_a_browser_still_signed_in_to_the_old_org_must_log_in_again(
    workspace: Workspace,
    org: Org,
    other_org: Org,
    emulator: EmulatorServer,
    demo: Demo,
) -> None:
    emulator.world.sign_in("login", org.user.username)

    reconnect(workspace, emulator, other_org, demo)
    shown = workspace.call("GET", "/api/crm/salesforce").json()

    assert shown["org_id"] == other_org.id
    assert shown["username"] == other_org.user.username
