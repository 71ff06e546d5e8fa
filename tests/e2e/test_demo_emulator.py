"""The demo's emulator process and the port file it announces itself in."""

from __future__ import annotations

from pathlib import Path

from entrypoints.demo.processes import emulator

CALLBACK = "http://127.0.0.1:8000/api/oauth/callback/salesforce"


def test_the_port_file_names_a_live_emulator_and_goes_when_it_stops(
    tmp_path: Path,
) -> None:
    port_file = tmp_path / "emulator.json"
    with (
        (tmp_path / "emulator.log").open("wb") as log,
        emulator(tmp_path, CALLBACK, log) as (facts, child),
    ):
        assert port_file.exists()
        assert child.poll() is None
        assert facts

    assert child.poll() is not None
    assert not port_file.exists()
