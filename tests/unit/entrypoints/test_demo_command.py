"""`crmbridge demo` before its walk: its port, and how it stops."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.demo import command
from entrypoints.demo.processes import DemoError, wait_while_running


@pytest.fixture
def stops_before_the_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`crmbridge demo` in a folder of its own, ending with "stopped here"
    where it would start the emulator."""

    def no_emulator(*_: object, **__: object) -> None:
        raise DemoError("stopped here")

    monkeypatch.setattr(command, "STATE_DIR", tmp_path / "state")
    # The demo's SIGTERM handler is for its own process, not pytest's.
    monkeypatch.setattr(signal, "signal", lambda *_: None)
    monkeypatch.setattr(command, "emulator", no_emulator)


@pytest.mark.usefixtures("stops_before_the_emulator")
def test_a_taken_port_is_named_with_the_one_used_instead() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = CliRunner().invoke(command.demo, ["--port", str(port)])

    assert f"port {port} is taken; using " in result.output
    assert "stopped here" in result.output


@pytest.mark.usefixtures("stops_before_the_emulator")
def test_a_misspelt_setting_is_named_on_the_terminal_not_only_in_the_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRMBRIDGE_PROT", "8080")

    result = CliRunner().invoke(command.demo, ["--port", "0"])

    assert (
        "configuration: CRMBRIDGE_PROT is not a crmbridge setting and is ignored "
        "(did you mean CRMBRIDGE_PORT?)"
    ) in result.output


def test_sigterm_says_it_stops_and_exits_cleanly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        command.stop()

    assert exited.value.code == 0
    assert capsys.readouterr().out == "stopping\n"


@pytest.mark.parametrize(
    ("option", "port", "allowed"),
    [
        ("--port", "70000", "0<=x<=65535"),
        ("--port", "-1", "0<=x<=65535"),
        ("--emulator-first-port", "0", "1<=x<=65531"),
        ("--emulator-first-port", "65532", "1<=x<=65531"),
    ],
)
def test_a_port_out_of_range_is_refused_without_a_traceback(
    option: str, port: str, allowed: str
) -> None:
    result = CliRunner().invoke(command.demo, [option, port])

    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
    assert allowed in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_waiting_ends_naming_the_child_that_exited() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    quitter = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    try:
        with pytest.raises(DemoError) as stopped:
            wait_while_running(
                {"the emulator": sleeper, "the service": quitter}, every=0.05
            )
    finally:
        sleeper.kill()
        sleeper.wait()

    assert str(stopped.value) == "the service exited (code 3); see the demo log"
