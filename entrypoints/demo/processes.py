"""Child processes of the demo: the Salesforce emulator and the service itself.

The emulator runs as `python -m sfemulator`, so the product never imports it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

STARTUP_SECONDS = 30.0
# Login, sandbox login, My Domain and instances: see `sfemulator --first-port`.
EMULATOR_PORTS = 5


class DemoError(Exception):
    """Raised when a child process does not come up or a step goes wrong."""


def free_port(preferred: int) -> int:
    """`preferred` if nothing listens there, else any free 127.0.0.1 port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            # As the server will bind: connections of an earlier run still in
            # TIME_WAIT on the port do not keep it from listening there.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen: int = probe.getsockname()[1]
            return chosen
    raise DemoError("no free port on 127.0.0.1")


@contextmanager
def running(
    command: list[str], *, env: Mapping[str, str], log: IO[bytes]
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `command`; on the way out stop it, politely first."""
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        command, env=dict(env), stdout=log, stderr=log, stdin=subprocess.DEVNULL
    )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def emulator_command(
    port_file: Path, callback_url: str, first_port: int | None = None
) -> list[str]:
    """`python -m sfemulator` seeded for a demo, announcing itself in
    `port_file`; on `first_port` and the ports after it, if given."""
    ports = [] if first_port is None else ["--first-port", str(first_port)]
    return [
        sys.executable,
        "-m",
        "sfemulator",
        "--seed-demo",
        "--port-file",
        str(port_file),
        "--callback-url",
        callback_url,
        *ports,
    ]


@contextmanager
def emulator(
    state_dir: Path,
    callback_url: str,
    log: IO[bytes],
    *,
    first_port: int | None = None,
) -> Iterator[tuple[dict[str, Any], subprocess.Popen[bytes]]]:
    """The seeded emulator; yields the URLs and demo facts it announces, and
    its process."""
    port_file = state_dir / "emulator.json"
    port_file.unlink(missing_ok=True)
    command = emulator_command(port_file, callback_url, first_port)
    try:
        with running(command, env=os.environ, log=log) as child:
            yield _announcement(port_file, child), child
    finally:
        # It names a port nothing listens on once the emulator has stopped.
        port_file.unlink(missing_ok=True)


def wait_while_running(
    children: Mapping[str, subprocess.Popen[bytes]], *, every: float = 0.5
) -> None:
    """Return never: raise `DemoError` naming the first of `children` (by
    what it is) to exit, so the demo stops instead of serving half a flow."""
    while True:
        for name, child in children.items():
            code = child.poll()
            if code is not None:
                raise DemoError(f"{name} exited (code {code}); see the demo log")
        time.sleep(every)


@contextmanager
def service(
    port: int, env: Mapping[str, str], log: IO[bytes]
) -> Iterator[subprocess.Popen[bytes]]:
    """`crmbridge serve` on `port`; returns once /health answers."""
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)]
    with running(command, env=env, log=log) as child:
        _wait_healthy(f"http://127.0.0.1:{port}/health", child)
        yield child


def _announcement(port_file: Path, child: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise DemoError("the emulator exited; see the demo log")
        if port_file.exists() and port_file.read_text("utf-8").endswith("\n"):
            announced: dict[str, Any] = json.loads(port_file.read_text("utf-8"))
            return announced
        time.sleep(0.1)
    raise DemoError("the emulator did not start in time")


def _wait_healthy(url: str, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise DemoError("the service exited; see the demo log")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise DemoError("the service did not answer /health in time")
