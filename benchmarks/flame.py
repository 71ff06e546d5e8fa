"""Where the time goes: shares from py-spy's raw (collapsed) stacks.

Each line of the raw format is `frame;frame;...;frame COUNT`, outermost frame
first, a frame being `function (path/to/file.py:LINE)`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_THREAD = re.compile(r"^thread \(\d+\): ")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+?)(?::\d+)?\)$")
PROJECT = ("domain/", "application/", "adapters/", "entrypoints/")
# Where a leaf frame's file lives says which layer a sample's time is spent in.
AREAS = (
    ("sqlite (C, via aiosqlite)", ("aiosqlite/",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("httpx / httpcore / h11", ("httpx/", "httpcore/", "h11/", "anyio/")),
    ("JSON / msgspec", ("json/", "msgspec/")),
    ("asyncio", ("asyncio/", "selectors.py")),
    ("crmbridge domain", ("domain/",)),
    ("crmbridge application", ("application/",)),
    ("crmbridge persistence", ("adapters/persistence/",)),
    ("crmbridge Salesforce adapter", ("adapters/salesforce/",)),
    ("crmbridge other", ("adapters/", "entrypoints/")),
    ("Python start-up / imports", ("importlib", "<frozen")),
)


@dataclass
class Profile:
    samples: int = 0
    threads: Counter[str] = field(default_factory=Counter)
    leaf: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)


def parse_frame(frame: str) -> tuple[str, str]:
    found = _FRAME.match(frame.strip())
    if found is None:
        return frame.strip(), ""
    return found.group("function"), found.group("file")


def area_of(path: str) -> str:
    for name, markers in AREAS:
        if any(marker in path for marker in markers):
            return name
    return "other libraries"


def read(text: str, thread: str | None = None) -> Profile:
    """Shares of every sample, or (with `--threads` stacks) of one thread's."""
    profile = Profile()
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        raw_frames = stack.split(";")
        name = _THREAD.sub("", raw_frames[0])
        if name != raw_frames[0]:
            raw_frames = raw_frames[1:]
            profile.threads[name] += count
            if thread is not None and name != thread:
                continue
        if not raw_frames:
            continue
        frames = [parse_frame(frame) for frame in raw_frames]
        profile.samples += count
        function, path = frames[-1]
        profile.leaf[f"{function} ({path})"] += count
        profile.areas[area_of(path)] += count
        ours = {f"{f} ({p})" for f, p in frames if p.startswith(PROJECT)}
        for name in ours:
            profile.inclusive[name] += count
    return profile


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

    lines = [f"# {title}", "", f"{profile.samples:,} samples.", ""]
    if profile.threads:
        lines += ["| thread | share of all threads' samples |", "|---|---:|"]
        lines += [
            f"| {name} | {count / threads:.1%} |"
            for name, count in profile.threads.most_common()
        ]
        lines.append("")
    lines += table("where the time is spent (leaf frame's library)", profile.areas)
    lines += ["", *table("self time: function (file)", profile.leaf)]
    lines += [
        "",
        *table("inclusive time: crmbridge function (file)", profile.inclusive),
    ]
    return "\n".join(lines) + "\n"
