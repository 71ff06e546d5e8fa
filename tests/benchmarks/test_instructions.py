"""benchmarks/instructions.py: reading callgrind's counts, and refusing
clearly where valgrind is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks import ab
from benchmarks.instructions import Callgrind, InstructionsUnavailable, totals

HEADER = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 1234\n"


def test_the_totals_line_is_the_count() -> None:
    assert totals(HEADER + "fn=main\n5 1200\ntotals: 1234\n") == 1234
    # An output cut before its end still has the header's summary.
    assert totals(HEADER + "fn=main\n") == 1234
    assert totals("not callgrind output\n") == 0


@pytest.fixture
def valgrind(monkeypatch: pytest.MonkeyPatch) -> None:
    """valgrind "installed": these tests read and name files, never run it."""
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")


@pytest.mark.usefixtures("valgrind")
def test_take_sums_the_runs_since_the_last_and_removes_them(tmp_path: Path) -> None:
    counter = Callgrind(tmp_path)
    (tmp_path / "callgrind.out.11").write_text(HEADER + "totals: 1000\n")
    (tmp_path / "callgrind.out.12").write_text(HEADER + "totals: 234\n")

    assert counter.take() == 1234
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InstructionsUnavailable, match="left no count"):
        counter.take()


@pytest.mark.usefixtures("valgrind")
def test_the_wrap_writes_each_process_its_own_file(tmp_path: Path) -> None:
    wrap = Callgrind(tmp_path).wrap

    assert wrap[:2] == ("valgrind", "--tool=callgrind")
    assert f"--callgrind-out-file={tmp_path}/callgrind.out.%p" in wrap


def test_without_valgrind_ab_refuses_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    started: list[object] = []
    monkeypatch.setattr(ab, "emulator_process", started.append)

    with pytest.raises(SystemExit) as raised:
        ab.main(["--instructions", "--size", "300", "."])

    assert "counting instructions needs valgrind" in str(raised.value)
    assert started == []
