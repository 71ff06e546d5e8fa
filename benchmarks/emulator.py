"""The Salesforce emulator as a separate process, and a client for its controls."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from entrypoints.demo.processes import emulator_command

STARTUP_SECONDS = 60.0
# Generous: generating a million rows takes the emulator about 16 s.
CONTROL_TIMEOUT = 600.0


class EmulatorFailed(Exception):
    """Raised when the emulator process does not start or a control call fails."""


@dataclass(frozen=True)
class Emulator:
    """What the emulator process announced, and how to reach its controls."""

    login_url: str
    sandbox_login_url: str
    control_url: str
    instance_url: str
    consumer_key: str
    callback_url: str
    org_id: str
    username: str
    pid: int


@contextmanager
def emulator_process(callback_url: str, log_path: Path) -> Iterator[Emulator]:
    """`python -m sfemulator --seed-demo` in its own process; stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="crmbridge-bench-") as folder:
        port_file = Path(folder) / "emulator.json"
        command = emulator_command(port_file, callback_url)
        with log_path.open("ab") as log:
            child = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
                command, stdout=log, stderr=log, stdin=subprocess.DEVNULL
            )
        try:
            yield _announced(_wait_for(port_file, child), child.pid)
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_for(port_file: Path, child: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise EmulatorFailed("the emulator exited at start; see its log")
        text = port_file.read_text("utf-8") if port_file.exists() else ""
        if text.endswith("\n"):
            announced: dict[str, Any] = json.loads(text)
            return announced
        time.sleep(0.05)
    raise EmulatorFailed("the emulator did not start in time")


def _announced(facts: dict[str, Any], pid: int) -> Emulator:
    demo = facts["demo"]
    return Emulator(
        login_url=facts["login_url"],
        sandbox_login_url=facts["sandbox_login_url"],
        control_url=facts["control_url"],
        instance_url=facts["instance_urls"][0],
        consumer_key=demo["consumer_key"],
        callback_url=demo["callback_url"],
        org_id=demo["production_org_id"],
        username=demo["production_username"],
        pid=pid,
    )


class Controls:
    """The emulator's control API (`/_emulator/...`), synchronous."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.http = httpx.Client(
            base_url=emulator.control_url, trust_env=False, timeout=CONTROL_TIMEOUT
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.http.request(method, path, json=body)
        if answer.status_code >= 400:
            raise EmulatorFailed(f"{method} {path}: {answer.status_code} {answer.text}")
        return answer.json()

    def generate(
        self, counts: dict[str, int], seed: int, *, edited: float = 0.0
    ) -> dict[str, int]:
        """`edited`: the share of rows whose modstamps leave the Id order."""
        body = {
            "seed": seed,
            "accounts": counts["Account"],
            "contacts": counts["Contact"],
            "leads": counts["Lead"],
            "edited_fraction": edited,
        }
        made: dict[str, int] = self.call(
            "POST", f"/orgs/{self.emulator.org_id}/generate", body
        )
        return made

    def fresh_quota(self, maximum: int) -> None:
        """Zero the day's usage, so no contender meets another's quota use."""
        path = f"/orgs/{self.emulator.org_id}/quota"
        self.call("PUT", path, {"used": 0, "maximum": maximum})

    def reset_stats(self) -> None:
        self.call("DELETE", "/stats")

    def stats(self) -> dict[str, Any]:
        """The emulator's counters (`sfemulator.stats.Stats.snapshot`)."""
        stats: dict[str, Any] = self.call("GET", "/stats")
        return stats

    def consent(self, authorization_url: str) -> str:
        """Log in as the demo user and Allow; the callback URL with the code."""
        body = {
            "authorization_url": authorization_url,
            "username": self.emulator.username,
        }
        location: str = self.call("POST", "/consent", body)["location"]
        return location
