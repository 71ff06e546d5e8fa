"""The SOQL every contender sends: crmbridge's own full-sync query per object.

The stand-ins ask for exactly the fields and rows crmbridge asks for, so the
emulator does the same work for each and the comparison is of the clients.
Plain fields the org's describe lacks are left out (relationship paths are
kept), so a mapping ahead of the org cannot break the stand-ins.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import UTC, datetime

import httpx

from benchmarks.oauth import Session
from domain.crm import SYNC_ORDER
from domain.default_mapping import DEFAULT_MAPPING
from domain.soql import select_fields, window_query


def described_fields(session: Session, api_version: str) -> dict[str, set[str]]:
    """`{object: {field name, ...}}` from each object's describe."""
    headers = {"Authorization": f"Bearer {session.access_token}"}
    base = f"{session.instance_url}/services/data/v{api_version}/sobjects"
    names: dict[str, set[str]] = {}
    with httpx.Client(headers=headers, trust_env=False, timeout=60) as client:
        for obj in SYNC_ORDER:
            answer = client.get(f"{base}/{obj.value}/describe")
            answer.raise_for_status()
            names[obj.value] = {field["name"] for field in answer.json()["fields"]}
    return names


def full_sync_queries(
    described: Mapping[str, Set[str]], until: datetime | None = None
) -> dict[str, str]:
    """`{object: soql}` in crmbridge's sync order, bounded at `until` (now)."""
    bound = until or datetime.now(UTC)
    queries = {}
    for obj in SYNC_ORDER:
        fields = tuple(
            name
            for name in select_fields(obj, DEFAULT_MAPPING.source_fields(obj))
            if "." in name or name in described[obj.value]
        )
        queries[obj.value] = window_query(obj, fields, after=None, until=bound)
    return queries
