"""Where the time goes: shares from py-spy's raw (collapsed) stacks.

Each line of the raw format is `frame;frame;...;frame COUNT`, outermost frame
first, a frame being `function (path/to/file.py:LINE)`; with `--threads` the
first frame names the thread.

py-spy leaves idle threads out by asking the OS, but a thread blocked in a C
call that holds no syscall it knows (aiosqlite's worker waiting on its queue,
rich's refresh thread) still shows up. Samples whose innermost frame sits on
a blocking line (`.get(`, `.wait(`, `.select(`, ...) are counted as waiting.
"""

from __future__ import annotations

import linecache
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

_THREAD = re.compile(r"^thread \(\d+\): ")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+?)(?::(?P<line>\d+))?\)$")
_BLOCKING = re.compile(r"\.(get|wait|select|acquire|sleep|join)\(")
PROJECT = ("domain/", "application/", "adapters/", "entrypoints/")
WAITING = "waiting in a blocking call"
# Where a leaf frame's file lives says which layer a sample's time is spent in.
AREAS = (
    # A page's writes run inside this one function, on aiosqlite's thread or
    # (a CLI sync) on the event loop's.
    ("sqlite (C)", ("aiosqlite/", "adapters/persistence/writes.py")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("httpx / httpcore / h11", ("httpx/", "httpcore/", "h11/", "anyio/")),
    ("JSON / msgspec", ("json/", "msgspec/")),
    ("asyncio", ("asyncio/", "selectors.py")),
    # A field mapping's compiled reader (`domain.mapping_reader.compiled`).
    ("crmbridge domain", ("domain/", "<field mapping>")),
    ("crmbridge application", ("application/",)),
    ("crmbridge persistence", ("adapters/persistence/",)),
    # A Bulk header's generated row code (`adapters.salesforce.bulk_csv`).
    ("crmbridge Salesforce adapter", ("adapters/salesforce/", "<bulk csv row>")),
    ("crmbridge other", ("adapters/", "entrypoints/")),
    ("Python start-up / imports", ("importlib", "<frozen")),
)


@dataclass
class Profile:
    samples: int = 0
    waiting: int = 0
    threads: Counter[str] = field(default_factory=Counter)
    leaf: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)


def parse_frame(frame: str) -> tuple[str, str, int]:
    found = _FRAME.match(frame.strip())
    if found is None:
        return frame.strip(), "", 0
    return found.group("function"), found.group("file"), int(found.group("line") or 0)


@cache
def is_blocking(path: str, line: int) -> bool:
    """Whether that source line is a blocking call (found on sys.path)."""
    for root in sys.path:
        candidate = Path(root or ".") / path
        if candidate.is_file():
            text = linecache.getline(str(candidate), line)
            return bool(_BLOCKING.search(text))
    return False


def area_of(path: str) -> str:
    for name, markers in AREAS:
        if any(marker in path for marker in markers):
            return name
    return "other libraries"


def read(text: str, thread: str | None = None, *, waits: bool = False) -> Profile:
    """Shares of the samples (of one thread's, with `--threads` stacks).

    Blocked samples are left out unless `waits`, which keeps them as their
    own area (a wall-clock view)."""
    profile = Profile()
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        raw = stack.split(";")
        name = _THREAD.sub("", raw[0])
        if name != raw[0]:
            raw = raw[1:]
            profile.threads[name] += count
            if thread is not None and name != thread:
                continue
        if raw:
            _add(profile, [parse_frame(frame) for frame in raw], count, waits)
    return profile


def _add(
    profile: Profile, frames: list[tuple[str, str, int]], count: int, waits: bool
) -> None:
    function, path, line = frames[-1]
    blocked = is_blocking(path, line)
    if blocked:
        profile.waiting += count
        if not waits:
            return
    profile.samples += count
    profile.leaf[f"{function} ({path})"] += count
    profile.areas[WAITING if blocked else area_of(path)] += count
    ours = {f"{f} ({p})" for f, p, _ in frames if p.startswith(PROJECT)}
    for name in ours:
        profile.inclusive[name] += count


def summary(profile: Profile, title: str, top: int = 25) -> str:
    total = max(profile.samples, 1)
    threads = sum(profile.threads.values()) or 1

    def table(header: str, counts: Counter[str]) -> list[str]:
        rows = [f"| {header} | share of samples |", "|---|---:|"]
        rows += [
            f"| `{name}` | {count / total:.1%} |"
            for name, count in counts.most_common(top)
        ]
        return rows

    kept = "kept as their own area" if WAITING in profile.areas else "left out"
    lines = [
        f"# {title}",
        "",
        f"{profile.samples:,} samples at 100 Hz; {profile.waiting:,} were blocked "
        f"in a wait ({kept}).",
        "",
    ]
    if profile.threads:
        lines += ["| thread | share of all threads' samples |", "|---|---:|"]
        lines += [
            f"| {name} | {count / threads:.1%} |"
            for name, count in profile.threads.most_common()
        ]
        lines.append("")
    lines += table("where the time is spent (leaf frame's library)", profile.areas)
    lines += ["", *table("self time: function (file)", profile.leaf)]
    ours = table("inclusive time: crmbridge function (file)", profile.inclusive)
    lines += ["", *ours]
    return "\n".join(lines) + "\n"
