"""Lifecycle of the emulator: clean stop, separate listeners, and the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from sfemulator import EmulatorServer
from tests.support.ports import free_run_of_ports


def test_listeners_are_distinct_and_stop_cleanly() -> None:
    before = set(threading.enumerate())

    with EmulatorServer() as emu:
        urls = [emu.login_url, emu.sandbox_login_url, emu.mydomain_url]
        urls += emu.instance_urls
        answer = httpx.get(emu.instance_urls[1] + "/services/data/", trust_env=False)

    assert len(set(urls)) == 5
    assert all(url.startswith("http://127.0.0.1:") for url in urls)
    assert answer.status_code == 200
    assert set(threading.enumerate()) == before


def test_the_cli_prints_urls_and_seeds_a_demo(tmp_path: Path) -> None:
    port_file = tmp_path / "urls.json"
    command = [sys.executable, "-m", "sfemulator", "--seed-demo"]
    command += ["--port-file", str(port_file), "--callback-url", "http://x.example/cb"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    # The command is this interpreter running this package: nothing untrusted.
    with subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        announced = json.loads(proc.stdout.readline())
        versions = httpx.get(
            announced["instance_urls"][0] + "/services/data/", trust_env=False
        )
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)

    assert code == 0
    assert json.loads(port_file.read_text()) == announced
    assert versions.status_code == 200
    assert announced["demo"]["callback_url"] == "http://x.example/cb"
    assert announced["demo"]["consumer_key"].startswith("3MVG9")
    # The announcement goes to logs (the demo's): no secret in it.
    assert "consumer_secret" not in announced["demo"]
    assert "secret" not in json.dumps(announced)
    assert announced["control_url"] == announced["login_url"] + "/_emulator"


def test_listeners_can_take_ports_in_a_row() -> None:
    first = free_run_of_ports(5)

    with EmulatorServer(first_port=first) as emu:
        urls = [emu.login_url, emu.sandbox_login_url, emu.mydomain_url]
        urls += emu.instance_urls

    assert urls == [f"http://127.0.0.1:{port}" for port in range(first, first + 5)]


def test_a_taken_port_is_a_one_line_error_and_frees_the_others() -> None:
    first = free_run_of_ports(5)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", first + 2))
        taken.listen()

        done = subprocess.run(  # noqa: S603 (this interpreter, this package)
            [sys.executable, "-m", "sfemulator", "--first-port", str(first)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert done.returncode == 1
    assert done.stderr.startswith(
        f"sfemulator: the emulator could not listen on 127.0.0.1:{first + 2}:"
    )
    assert "Traceback" not in done.stderr
    with EmulatorServer(first_port=first):  # nothing left bound
        pass


def test_ports_past_the_last_one_are_refused() -> None:
    with pytest.raises(RuntimeError, match="past 65535"):
        EmulatorServer(first_port=65533).start()
