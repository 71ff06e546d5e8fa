"""Test support: the fake org's reading of the SOQL that `domain.soql` writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from application.errors import ApiError
from domain.crm import CrmObject

Record = dict[str, Any]

_STRING = r"'(?:[^'\\]|\\.)*'"
_SYNC_QUERY = re.compile(
    r"SELECT (?P<fields>.+?) FROM (?P<obj>\w+) WHERE "
    r"(?:\(SystemModstamp > (?P<stamp>\S+) OR \(SystemModstamp = (?P=stamp) "
    r"AND Id > (?P<after>'(?:[^'\\]|\\.)*')\)\) AND "
    r"|(?P<reference>\w+) IN \((?P<ids>.*)\) AND )?"
    r"SystemModstamp <= (?P<until>\S+)(?: ORDER BY SystemModstamp ASC, Id ASC)?",
    re.DOTALL,
)
_CHANGED_QUERY = re.compile(
    r"SELECT Id FROM (?P<obj>\w+) WHERE SystemModstamp > (?P<since>\S+)"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}


def _unquote(literal: str) -> str:
    inner = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), inner)


def _soql_datetime(literal: str) -> datetime:
    return datetime.strptime(literal, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def query_error(code: str, message: str, *fields: str) -> ApiError:
    """The 400 Salesforce answers to a query it will not run."""
    return ApiError(message, error_code=code, status=400, fields=fields)


@dataclass(frozen=True)
class SyncQuery:
    """One query of the two shapes `domain.soql` writes, parsed."""

    obj: CrmObject
    fields: tuple[str, ...]
    until: datetime
    after: tuple[datetime, str] | None = None
    reference: str | None = None
    ids: frozenset[str] = frozenset()
    since: datetime | None = None

    @classmethod
    def parse(cls, soql: str) -> SyncQuery:
        changed = _CHANGED_QUERY.fullmatch(soql)
        if changed is not None and changed["obj"] in {o.value for o in CrmObject}:
            return cls(
                obj=CrmObject(changed["obj"]),
                fields=("Id",),
                until=datetime.max.replace(tzinfo=UTC),
                since=_soql_datetime(changed["since"]),
            )
        found = _SYNC_QUERY.fullmatch(soql)
        if found is None:
            raise query_error(
                "MALFORMED_QUERY", "the fake reads only window and related queries"
            )
        if found["obj"] not in {obj.value for obj in CrmObject}:
            message = f"sObject type '{found['obj']}' is not supported."
            raise query_error("INVALID_TYPE", message, found["obj"])
        after = None
        if found["stamp"]:
            after = (_soql_datetime(found["stamp"]), _unquote(found["after"]))
        return cls(
            obj=CrmObject(found["obj"]),
            fields=tuple(found["fields"].split(", ")),
            until=_soql_datetime(found["until"]),
            after=after,
            reference=found["reference"],
            ids=frozenset(_unquote(s) for s in re.findall(_STRING, found["ids"] or "")),
        )

    def matches(self, row: Record) -> bool:
        stamp = datetime.strptime(row["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
        if self.since is not None:
            return stamp > self.since
        if stamp > self.until:
            return False
        if self.reference is not None and row.get(self.reference) not in self.ids:
            return False
        if self.after is None:
            return True
        return (stamp, row["Id"]) > self.after
