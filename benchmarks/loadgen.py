"""An open-loop HTTP load generator for loopback, run as its own process.

`python -m benchmarks.loadgen` reads a job as JSON on stdin:
`{"url", "headers", "rate", "duration", "connections", "timeout"}`, sends
`rate * duration` GETs on a schedule fixed in advance (request i is due at
start + i / rate), over keep-alive HTTP/1.1 connections, and prints one JSON
line: how many answered, by status, the achieved rate and latency percentiles.

Latency runs from when a request was *due*, not when a connection was free
to send it, so a slow server is charged for the queue it causes (no
coordinated omission). It stops by itself: request count and run time are
bounded, and only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_REQUESTS = 200_000
MAX_DURATION = 120.0
GRACE_SECONDS = 10.0
# What one request can end in besides an answer; the connection is renewed.
_FAILURES = (
    OSError,
    EOFError,  # asyncio.IncompleteReadError: the server closed mid-answer
    asyncio.LimitOverrunError,
    TimeoutError,
    ValueError,
    IndexError,
)


class LoadRefused(Exception):
    """Raised for a job outside the bounds: not loopback, too many, too long."""


@dataclass(frozen=True)
class Job:
    host: str
    port: int
    request: bytes
    rate: float
    total: int
    connections: int
    timeout: float

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Job:
        url = urlsplit(raw["url"])
        if url.scheme != "http" or url.hostname not in LOOPBACK:
            raise LoadRefused(f"only http on loopback, not {url.scheme}://{url.netloc}")
        rate, duration = float(raw["rate"]), float(raw["duration"])
        total = int(rate * duration)
        if not 0 < total <= MAX_REQUESTS or duration > MAX_DURATION:
            raise LoadRefused(f"{total} requests over {duration} s is out of bounds")
        target = url.path + (f"?{url.query}" if url.query else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: {url.netloc}"]
        lines += [f"{name}: {value}" for name, value in raw.get("headers", {}).items()]
        return cls(
            host=url.hostname,
            port=url.port or 80,
            request=("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"),
            rate=rate,
            total=total,
            connections=int(raw.get("connections", 32)),
            timeout=float(raw.get("timeout", 5.0)),
        )


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    last_done: float = 0.0


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """One response: its status, and whether the connection stays open."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    if headers.get("transfer-encoding", "").strip() == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").strip() != "close"


async def _worker(job: Job, due: asyncio.Queue[float | None], tally: Tally) -> None:
    """Send due requests until a None says stop."""
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while (scheduled := await due.get()) is not None:
        try:
            if streams is None:
                streams = await asyncio.wait_for(
                    asyncio.open_connection(job.host, job.port), job.timeout
                )
            reader, writer = streams
            writer.write(job.request)
            status, keep = await asyncio.wait_for(_read_answer(reader), job.timeout)
            tally.statuses[str(status)] += 1
        except _FAILURES as exc:
            tally.statuses[type(exc).__name__] += 1
            keep = False
        else:
            tally.latencies.append(time.perf_counter() - scheduled)
        tally.last_done = time.perf_counter()
        if not keep and streams is not None:
            streams[1].close()
            streams = None
    if streams is not None:
        streams[1].close()


async def _schedule(job: Job, due: asyncio.Queue[float | None], start: float) -> None:
    sent = 0
    while sent < job.total:
        ready = min(job.total, int((time.perf_counter() - start) * job.rate) + 1)
        for index in range(sent, ready):
            due.put_nowait(start + index / job.rate)
        sent = max(sent, ready)
        await asyncio.sleep(0.0005)


async def run(job: Job) -> dict[str, Any]:
    due: asyncio.Queue[float | None] = asyncio.Queue()
    tally = Tally()
    workers = [
        asyncio.create_task(_worker(job, due, tally)) for _ in range(job.connections)
    ]
    start = time.perf_counter() + 0.05
    await _schedule(job, due, start)
    deadline = start + job.total / job.rate + GRACE_SECONDS
    while len(tally.latencies) + _failures(tally) < job.total:
        if time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.01)
    await _stop(job, due, workers)
    return _summary(job, tally, start)


async def _stop(
    job: Job, due: asyncio.Queue[float | None], workers: list[asyncio.Task[None]]
) -> None:
    """Drop what was never sent, tell each worker to stop, and wait at most one
    request timeout. (Cancelling alone can hang on Python 3.11: `wait_for`
    may swallow a cancellation, leaving a worker waiting on an empty queue.)"""
    while not due.empty():
        due.get_nowait()
    for _ in range(2 * len(workers)):  # spares for any worker that shrugs off cancel
        due.put_nowait(None)
    _, late = await asyncio.wait(workers, timeout=job.timeout + 1)
    for worker in late:
        worker.cancel()


def _failures(tally: Tally) -> int:
    return sum(n for key, n in tally.statuses.items() if not key.isdigit())


def _summary(job: Job, tally: Tally, start: float) -> dict[str, Any]:
    ordered = sorted(tally.latencies)
    elapsed = max(tally.last_done - start, 1e-9)

    def percentile(share: float) -> float | None:
        if not ordered:
            return None
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    ok = sum(n for key, n in tally.statuses.items() if key.startswith("2"))
    return {
        "offered_rate": job.rate,
        "requests": job.total,
        "answered": len(ordered),
        "ok": ok,
        "unfinished": job.total - len(ordered) - _failures(tally),
        "statuses": dict(tally.statuses),
        "achieved_rate": len(ordered) / elapsed,
        "p50_ms": percentile(0.50),
        "p90_ms": percentile(0.90),
        "p99_ms": percentile(0.99),
        "max_ms": ordered[-1] * 1000 if ordered else None,
    }


def main() -> None:
    job = Job.parse(json.load(sys.stdin))
    print(json.dumps(asyncio.run(run(job))), flush=True)


if __name__ == "__main__":
    main()
