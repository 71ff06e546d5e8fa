"""Count the instructions each contender's process executes, under callgrind.

On a shared machine the seconds of one run move by a fifth from one run to
the next; the instructions a process executes hardly move with what else the
machine does, so a change of a few percent shows. They leave out what the
process waits for (the emulator, the disk) and what the kernel does for it,
and a run under callgrind takes about fifty times as long.
"""

from __future__ import annotations

import shutil
from pathlib import Path

VALGRIND = "valgrind"


class InstructionsUnavailable(Exception):
    """Raised when valgrind is not installed, or a run left no count."""


class Callgrind:
    """Runs children under callgrind, their counts written to `folder`."""

    def __init__(self, folder: Path) -> None:
        if shutil.which(VALGRIND) is None:
            raise InstructionsUnavailable(
                "counting instructions needs valgrind (Debian: apt install valgrind)"
            )
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    @property
    def wrap(self) -> tuple[str, ...]:
        """The command prefix that runs a child under callgrind."""
        out = self.folder / "callgrind.out.%p"
        return (VALGRIND, "--tool=callgrind", "--quiet", f"--callgrind-out-file={out}")

    def take(self) -> int:
        """The instructions the children since the last `take` executed; their
        output files are removed."""
        total = 0
        for path in sorted(self.folder.glob("callgrind.out.*")):
            total += totals(path.read_text(encoding="utf-8", errors="replace"))
            path.unlink()
        if total == 0:
            raise InstructionsUnavailable("a run under callgrind left no count")
        return total


def totals(text: str) -> int:
    """The event total of a callgrind output file (its `totals:` line, or
    the header's `summary:`)."""
    found = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in {"totals", "summary"} and value.split():
            found[key] = int(value.split()[0])
    return found.get("totals", found.get("summary", 0))
