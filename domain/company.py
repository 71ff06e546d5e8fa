"""A company: a Salesforce Account as synced, and how a record becomes one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from domain.mapping import FieldMapping
from domain.soql import parse_record_datetime
from domain.transforms import Value


class Company(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    workspace_id: str
    fields: dict[str, Value] = msgspec.field(default_factory=dict)
    modstamp: datetime
    deleted: bool = False
    updated_at: datetime | None = None


def company_from(
    record: Mapping[str, Any], mapping: FieldMapping, workspace_id: str
) -> Company:
    return Company(
        account_id=record["Id"],
        workspace_id=workspace_id,
        fields=mapping.company_values(record),
        modstamp=parse_record_datetime(record["SystemModstamp"]),
        deleted=bool(record.get("IsDeleted")),
    )
