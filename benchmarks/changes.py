"""Change 1% of an org's live records through the emulator's control API.

The ids are read once through the REST API (live rows only, converted Leads
left out since Salesforce refuses to change them), before any measured run.
"""

from __future__ import annotations

import asyncio
import math

import httpx

from benchmarks.emulator import Controls, EmulatorFailed
from benchmarks.oauth import Session

# A mapped field per object, so a change really reaches crmbridge's tables.
CHANGED_FIELD = {"Account": "Industry", "Lead": "Title", "Contact": "Title"}
LIVE = {
    "Account": "",
    "Lead": " WHERE IsConverted = false",
    "Contact": "",
}
IN_FLIGHT = 16


def pick_ids(
    session: Session, api_version: str, counts: dict[str, int], share: float
) -> dict[str, list[str]]:
    """About `share` of each object's generated rows, spread evenly over its
    live ones; `{object: [id, ...]}`."""
    picked: dict[str, list[str]] = {}
    headers = {"Authorization": f"Bearer {session.access_token}"}
    base = f"{session.instance_url}/services/data/v{api_version}"
    with httpx.Client(headers=headers, trust_env=False, timeout=120) as client:
        for obj, where in LIVE.items():
            ids = _all_ids(client, base, session.instance_url, obj, where)
            wanted = min(len(ids), math.ceil(counts[obj] * share))
            step = len(ids) / wanted if wanted else 1
            picked[obj] = [ids[int(i * step)] for i in range(wanted)]
    return picked


def _all_ids(
    client: httpx.Client, base: str, instance_url: str, obj: str, where: str
) -> list[str]:
    soql = f"SELECT Id FROM {obj}{where} ORDER BY Id"  # noqa: S608 (constants)
    answer = client.get(f"{base}/query", params={"q": soql})
    ids: list[str] = []
    while True:
        answer.raise_for_status()
        page = answer.json()
        ids += [record["Id"] for record in page["records"]]
        if page["done"]:
            return ids
        answer = client.get(instance_url + page["nextRecordsUrl"])


def change(controls: Controls, ids: dict[str, list[str]], label: str) -> int:
    """Set the mapped field of every picked record to a new value; how many."""
    return asyncio.run(_change_all(controls, ids, label))


async def _change_all(controls: Controls, ids: dict[str, list[str]], label: str) -> int:
    org = controls.emulator.org_id
    limit = asyncio.Semaphore(IN_FLIGHT)
    async with httpx.AsyncClient(
        base_url=controls.emulator.control_url, trust_env=False, timeout=60
    ) as client:

        async def one(obj: str, record_id: str) -> None:
            body = {"fields": {CHANGED_FIELD[obj]: f"{label} {record_id[-6:]}"}}
            async with limit:
                path = f"/orgs/{org}/records/{obj}/{record_id}"
                answer = await client.patch(path, json=body)
            if answer.status_code >= 400:
                raise EmulatorFailed(f"PATCH {obj} {record_id}: {answer.text}")

        await asyncio.gather(
            *(one(obj, record_id) for obj, group in ids.items() for record_id in group)
        )
    return sum(len(group) for group in ids.values())
