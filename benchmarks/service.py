"""crmbridge as a user runs it: its CLI in child processes, on a SQLite file.

A workspace is connected once per org size through the product's own HTTP
API and the real OAuth flow (settings, Connect, consent at the emulator,
callback). That database, with a connected workspace and nothing synced, is
the template every full-sync run starts from.
"""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.emulator import Controls, Emulator

WORKSPACE = "bench"
CONNECTION = "/api/crm/salesforce"
STARTUP_SECONDS = 60.0
# The console script's own code (see pyproject.toml's [project.scripts]).
CONSOLE_SCRIPT = "from entrypoints.console import main; main()"


class ServiceFailed(Exception):
    """Raised when `crmbridge serve` does not come up or a connect step fails."""


@dataclass(frozen=True)
class Served:
    """A running `crmbridge serve`: where, its process, and a bearer token."""

    url: str
    token: str
    pid: int

    def __repr__(self) -> str:
        return f"Served(url={self.url!r}, pid={self.pid}, token=<redacted>)"


class Crmbridge:
    """Environment and commands for crmbridge child processes; `source`, if
    given, is the source tree they import crmbridge from (another checkout)."""

    def __init__(
        self, emulator: Emulator, workdir: Path, port: int, source: Path | None = None
    ) -> None:
        self.emulator = emulator
        self.source = source
        self.workdir = workdir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.secrets = {
            "CRMBRIDGE_ENCRYPTION_KEYS": base64.urlsafe_b64encode(
                secrets.token_bytes(32)
            ).decode(),
            "CRMBRIDGE_JWT_SECRET": secrets.token_urlsafe(48),
        }

    def env(self, database: Path) -> dict[str, str]:
        tree = {} if self.source is None else {"PYTHONPATH": str(self.source)}
        return {
            **os.environ,
            **tree,
            **self.secrets,
            "CRMBRIDGE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "CRMBRIDGE_PUBLIC_URL": self.url,
            "CRMBRIDGE_SALESFORCE_LOGIN_URL": self.emulator.login_url,
            "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL": self.emulator.sandbox_login_url,
            # Changes are made just before an incremental run; a short settle
            # delay saves the waiting and changes nothing else about the work.
            "CRMBRIDGE_SYNC_SETTLE_SECONDS": "1",
            "CRMBRIDGE_LOG_LEVEL": "WARNING",
        }

    def command(self, *arguments: str) -> list[str]:
        """What `.venv/bin/crmbridge` runs, with this interpreter, so that a
        tree given by `PYTHONPATH` is the one that runs."""
        return [sys.executable, "-c", CONSOLE_SCRIPT, *arguments]

    def token(self, database: Path) -> str:
        """A bearer token minted by `crmbridge token`, as an admin of the bench."""
        done = subprocess.run(  # noqa: S603 (our interpreter, our CLI)
            self.command("token", "--workspace", WORKSPACE, "--role", "admin"),
            env=self.env(database),
            cwd=self.workdir,
            capture_output=True,
            check=False,
            text=True,
        )
        if done.returncode != 0:
            tail = " | ".join(done.stderr.strip().splitlines()[-3:])
            raise ServiceFailed(f"crmbridge token exited {done.returncode}: {tail}")
        return done.stdout.strip()

    @contextmanager
    def serving(
        self, database: Path, log_path: Path, *, workers: int = 1
    ) -> Iterator[Served]:
        """`crmbridge serve` on the database, answering /health; `pid` is the
        parent's, with `workers` uvicorn worker processes under it if > 1."""
        token = self.token(database)
        with log_path.open("ab") as log:
            child = subprocess.Popen(  # noqa: S603 (our interpreter, our CLI)
                self.command(
                    "serve", "--port", str(self.port), "--workers", str(workers)
                ),
                env=self.env(database),
                cwd=self.workdir,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        try:
            self._wait_healthy(child, log_path)
            yield Served(url=self.url, token=token, pid=child.pid)
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def _wait_healthy(self, child: subprocess.Popen[bytes], log_path: Path) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if child.poll() is not None:
                tail = log_path.read_text("utf-8", "replace").strip().splitlines()
                raise ServiceFailed(f"crmbridge serve exited: {' | '.join(tail[-3:])}")
            try:
                answer = httpx.get(f"{self.url}/health", trust_env=False, timeout=1)
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise ServiceFailed("crmbridge serve did not answer /health in time")

    def connect(self, controls: Controls, served: Served) -> None:
        """Settings, Connect, Allow at the emulator, follow the callback."""
        headers = {"Authorization": f"Bearer {served.token}"}
        with httpx.Client(
            base_url=self.url, headers=headers, trust_env=False, timeout=60
        ) as api:
            body = {"client_id": self.emulator.consumer_key, "sandbox": False}
            _ok(api.put(f"{CONNECTION}/settings", json=body))
            started = _ok(api.post(f"{CONNECTION}/authorizations")).json()
            location = controls.consent(started["authorization_url"])
            _ok(httpx.get(location, trust_env=False, timeout=60))
            status = _ok(api.get(CONNECTION)).json()["status"]
        if status != "connected":
            raise ServiceFailed(f"the connection is {status!r} after the callback")


def _ok(answer: httpx.Response) -> httpx.Response:
    if answer.status_code >= 400:
        raise ServiceFailed(f"{answer.request.url.path}: {answer.status_code}")
    return answer


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (WAL included) into a new file."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
