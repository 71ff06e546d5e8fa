"""Contender "floor": a bare httpx loop that downloads every page and drops it.

Run as a child process: `python -m benchmarks.floor` with the job as JSON on
stdin; prints one JSON line of what it saw. Nothing can sync faster than this
loop over the same pages, so it is the floor the others are measured against.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx


def download(job: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {job['access_token']}"}
    base = f"{job['instance_url']}/services/data/v{job['api_version']}"
    records = pages = 0
    with httpx.Client(headers=headers, trust_env=False, timeout=120) as client:
        for soql in job["queries"].values():
            answer = client.get(f"{base}/queryAll", params={"q": soql})
            while True:
                answer.raise_for_status()
                page = answer.json()
                records += len(page["records"])
                pages += 1
                if page["done"]:
                    break
                answer = client.get(job["instance_url"] + page["nextRecordsUrl"])
    return {"records": records, "pages": pages}


def main() -> None:
    print(json.dumps(download(json.load(sys.stdin))), flush=True)


if __name__ == "__main__":
    main()
