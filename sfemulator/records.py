"""Per-org sObject storage: Lead, Contact and Account rows (filled in phase 2)."""

from __future__ import annotations

from sfemulator.ids import IdFactory


class RecordStore:
    """Holds each org's records."""

    def __init__(self, ids: IdFactory) -> None:
        self.ids = ids
        self.orgs: dict[str, dict[str, dict[str, object]]] = {}

    def add_org(self, org_id: str) -> None:
        self.orgs.setdefault(org_id, {})
