"""The demo's emulator process and the port file it announces itself in."""

from __future__ import annotations

from pathlib import Path

from entrypoints.demo.processes import EMULATOR_PORTS, emulator
from tests.support.ports import free_run_of_ports

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


def test_the_emulator_takes_the_ports_it_is_given(tmp_path: Path) -> None:
    first = free_run_of_ports(EMULATOR_PORTS)

    with (
        (tmp_path / "emulator.log").open("wb") as log,
        emulator(tmp_path, CALLBACK, log, first_port=first) as (facts, _),
    ):
        login_url = facts["login_url"]

    assert login_url == f"http://127.0.0.1:{first}"
