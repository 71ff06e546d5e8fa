"""Where the time goes: shares from py-spy's raw (collapsed) stacks.

Each line of the raw format is `frame;frame;...;frame COUNT`, outermost frame
first, a frame being `function (path/to/file.py:LINE)`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

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


def read(text: str) -> Profile:
    profile = Profile()
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [parse_frame(frame) for frame in stack.split(";")]
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

    def table(header: str, counts: Counter[str]) -> list[str]:
        rows = [f"| {header} | share of samples |", "|---|---:|"]
        rows += [
            f"| `{name}` | {count / total:.1%} |"
            for name, count in counts.most_common(top)
        ]
        return rows

    lines = [f"# {title}", "", f"{profile.samples:,} samples (all threads).", ""]
    lines += table("where the time is spent (leaf frame's library)", profile.areas)
    lines += ["", *table("self time: function (file)", profile.leaf)]
    lines += [
        "",
        *table("inclusive time: crmbridge function (file)", profile.inclusive),
    ]
    return "\n".join(lines) + "\n"
