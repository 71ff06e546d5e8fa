"""Contender "baseline": the script a team would write with simple-salesforce.

`query_all_iter` per object (queryAll, so deleted rows come too), each record
flattened to the selected fields and written to SQLite with `executemany`,
one commit per batch. Run as a child: `python -m benchmarks.baseline` with the
job as JSON on stdin; prints one JSON line of what it wrote.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from simple_salesforce.api import Salesforce

BATCH = 2000
_SELECT = re.compile(r"^SELECT (.*?) FROM ", re.S)


class PlainHttpSession(requests.Session):
    """simple-salesforce always builds `https://` URLs; the emulator on
    127.0.0.1 speaks plain HTTP, so only its own host is sent over http."""

    def __init__(self, instance_url: str) -> None:
        super().__init__()
        self.trust_env = False
        self.secure_prefix = f"https://{urlsplit(instance_url).netloc}/"

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if url.startswith(self.secure_prefix):
            url = "http://" + url.removeprefix("https://")
        return super().request(method, url, *args, **kwargs)


def fields_of(soql: str) -> list[str]:
    found = _SELECT.match(soql)
    assert found is not None, soql
    return [name.strip() for name in found.group(1).split(",")]


def column(field: str) -> str:
    return field.replace(".", "_")


def value_at(record: Mapping[str, Any], field: str) -> Any:
    """`Account.Name` from `{"Account": {"Name": ...}}`; None along the way."""
    value: Any = record
    for part in field.split("."):
        if value is None:
            return None
        value = value.get(part)
    return value


def create_table(db: sqlite3.Connection, table: str, fields: list[str]) -> None:
    columns = ", ".join(
        f'"{column(f)}" TEXT PRIMARY KEY' if f == "Id" else f'"{column(f)}"'
        for f in fields
    )
    db.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({columns})')


def write(
    db: sqlite3.Connection, table: str, fields: list[str], records: Iterable[Any]
) -> int:
    names = ", ".join(f'"{column(f)}"' for f in fields)
    marks = ", ".join("?" for _ in fields)
    insert = f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608
    written = 0
    batch: list[tuple[Any, ...]] = []
    for record in records:
        batch.append(tuple(value_at(record, field) for field in fields))
        if len(batch) == BATCH:
            written += _flush(db, insert, batch)
    return written + _flush(db, insert, batch)


def _flush(db: sqlite3.Connection, insert: str, batch: list[tuple[Any, ...]]) -> int:
    count = len(batch)
    if count:
        db.executemany(insert, batch)
        db.commit()
        batch.clear()
    return count


def sync(job: dict[str, Any]) -> dict[str, Any]:
    sf = Salesforce(
        instance_url=job["instance_url"],
        session_id=job["access_token"],
        version=job["api_version"],
        session=PlainHttpSession(job["instance_url"]),
    )
    written: dict[str, int] = {}
    with sqlite3.connect(job["database"]) as db:
        for obj, soql in job["queries"].items():
            fields = fields_of(soql)
            create_table(db, obj, fields)
            rows = sf.query_all_iter(soql, include_deleted=True)
            written[obj] = write(db, obj, fields, rows)
    db.close()
    return {"records": sum(written.values()), "by_object": written}


def main() -> None:
    print(json.dumps(sync(json.load(sys.stdin))), flush=True)


if __name__ == "__main__":
    main()
