"""The seeded generator and the record control calls (Python and HTTP)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from sfemulator import EmulatorServer, World
from sfemulator.scenario import Demo
from tests.integration.emulator.flow import Rest


def snapshot(world: World, org_id: str) -> list[tuple[Any, ...]]:
    rows = []
    for sobject in ("Account", "Contact", "Lead"):
        table = world.records.table(org_id, sobject)
        rows += [tuple(row) for row in table.rows.values()]
    return rows


def generated(seed: int) -> list[tuple[Any, ...]]:
    world = World()
    org = world.create_org()
    world.create_user(org.id)
    world.generate_records(org.id, seed=seed, accounts=30, contacts=60, leads=90)
    return snapshot(world, org.id)


def test_the_same_seed_gives_the_same_rows() -> None:
    assert generated(7) == generated(7)
    assert generated(7) != generated(8)


def test_generated_data_is_awkward_on_purpose() -> None:
    world = World()
    org = world.create_org()

    made = world.generate_records(
        org.id, seed=3, accounts=50, contacts=200, leads=400, tie_block=100
    )

    leads = world.records.table(org.id, "Lead")
    names = " ".join(
        str(leads.value(row, "LastName")) + str(leads.value(row, "FirstName"))
        for row in leads.rows.values()
    )
    assert "'" in names
    assert any(ord(char) > 0x3000 for char in names)
    assert any(ord(char) > 0xFFFF for char in names)
    assert made["converted"] > 0
    assert made["deleted"] > 0
    stamps = Counter(leads.value(row, "SystemModstamp") for row in leads.rows.values())
    assert max(stamps.values()) >= 100
    converted = [r for r in leads.rows.values() if leads.value(r, "IsConverted")]
    contacts = world.records.table(org.id, "Contact").rows
    assert all(leads.value(r, "ConvertedContactId") in contacts for r in converted)
    texts = [leads.value(r, "Description") or "" for r in leads.rows.values()]
    assert max(len(text) for text in texts) == 32000


def test_edited_rows_leave_the_id_order_and_the_rest_stay_the_same() -> None:
    def made(edited: float) -> tuple[World, str, dict[str, int]]:
        world = World()
        org = world.create_org()
        counts = world.generate_records(
            org.id, seed=5, accounts=10, contacts=40, leads=150, edited_fraction=edited
        )
        return world, org.id, counts

    plain_world, plain_org, plain = made(0.0)
    world, org, counts = made(0.3)

    assert plain["edited"] == 0
    assert 0 < counts["edited"] < 200
    assert counts["deleted"] == plain["deleted"]
    leads = world.records.table(org, "Lead")
    stamps = [leads.value(row, "SystemModstamp") for row in leads.rows.values()]
    assert stamps != sorted(stamps)
    plain_leads = plain_world.records.table(plain_org, "Lead")
    plain_stamps = [
        plain_leads.value(row, "SystemModstamp") for row in plain_leads.rows.values()
    ]
    assert plain_stamps == sorted(plain_stamps)
    changed = [
        (leads.value(row, "LastModifiedDate"), stamp)
        for row, stamp in zip(leads.rows.values(), stamps, strict=True)
        if stamp > max(plain_stamps)
    ]
    assert changed
    assert all(modified == stamp for modified, stamp in changed)


def test_every_change_bumps_system_modstamp_and_can_force_ties(
    emulator: EmulatorServer, demo: Demo
) -> None:
    world, org = emulator.world, demo.production.id
    first = world.create_record(org, "Lead", {"LastName": "a", "Company": "c"})
    second = world.create_record(
        org, "Lead", {"LastName": "b", "Company": "c"}, modstamp="2030-01-01T00:00:00Z"
    )
    world.advance_clock(5)

    world.update_record(org, "Lead", first, {"Title": "x"})
    world.update_record(
        org, "Lead", second, {"Title": "y"}, modstamp="2030-01-01T00:00:00Z"
    )

    before = world.get_record(org, "Lead", first)
    tied = world.get_record(org, "Lead", second)
    assert before["SystemModstamp"] > before["CreatedDate"]
    assert tied["SystemModstamp"] == tied["CreatedDate"]


def test_records_are_driven_over_http(
    emulator: EmulatorServer, demo: Demo, client: httpx.Client, rest: Rest
) -> None:
    base = f"{emulator.control_url}/orgs/{demo.production.id}"

    made = client.post(
        f"{base}/records/Lead",
        json={
            "fields": {"LastName": "Ünal", "Company": "Ç"},
            "modstamp": "2024-01-15T10:30:00Z",
        },
    ).json()
    lead = made["id"]
    client.patch(f"{base}/records/Lead/{lead}", json={"fields": {"Title": "Dr"}})
    converted = client.post(f"{base}/leads/{lead}/convert", json={}).json()
    client.delete(f"{base}/records/Lead/{lead}")
    fetched = client.get(f"{base}/records/Lead/{lead}").json()
    client.post(f"{base}/records/Lead/{lead}/undelete", json={})
    gone = client.post(f"{base}/records/Lead", json={"fields": {"LastName": "Gone"}})
    purged = client.post(f"{base}/records/Lead/{gone.json()['id']}/purge")
    again = client.post(f"{base}/records/Lead/{gone.json()['id']}/purge")
    counts = client.post(f"{base}/generate", json={"seed": 2, "accounts": 3}).json()
    field = client.post(
        f"{base}/fields/Account", json={"name": "Score__c", "field_type": "double"}
    ).json()

    assert lead.startswith("00Q")
    assert fetched["IsDeleted"] is True
    assert fetched["Title"] == "Dr"
    assert fetched["ConvertedContactId"] == converted["contact_id"]
    assert counts["Account"] == 3
    assert field["name"] == "Score__c"
    assert purged.status_code == 200
    assert again.status_code >= 400
    listed = client.get(f"{base}/records/Lead").json()
    flags = {r["Id"]: r["IsDeleted"] for r in listed["records"]}
    assert flags[lead] is False
    assert gone.json()["id"] not in flags
    every = rest.query("SELECT Id FROM Lead", "/queryAll").json()["totalSize"]
    assert listed["totalSize"] == len(flags) == every
    left = rest.query("SELECT Id FROM Lead WHERE LastName = 'Gone'", "/queryAll")
    assert left.json()["totalSize"] == 0
    found = rest.query("SELECT Id, Title FROM Lead WHERE LastName = 'ünal'")
    assert found.json()["records"][0]["Title"] == "Dr"
    bad = client.patch(f"{base}/records/Lead/00Qnope", json={"fields": {}})
    assert bad.status_code == 400
