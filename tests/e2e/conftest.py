"""The service on a real socket, over SQLite, against the emulator over HTTP.

One service and one emulator serve the whole session; each test gets its own
workspace, a freshly seeded emulator world, and a check at the end that no
secret reached a response or the service's log. Tests, the service and the
`crmbridge` commands they start all run from the session's own folder, as a
person runs them from a project folder: their `./.crmbridge/` (the runner's
job locks) is the run's, not the checkout's another run may be using.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.encryption import FernetTokenCipher
from adapters.persistence import upgrade_to_head
from entrypoints.config import Config, load_config
from entrypoints.container import Container
from entrypoints.logs import quiet_libraries
from sfemulator.scenario import Demo, seed_demo
from sfemulator.server import EmulatorServer
from sfemulator.testing import emulator, emulator_server
from tests.e2e.client import Flow

# Helpers' asserts show their operands, as test modules' asserts do.
pytest.register_assert_rewrite("tests.e2e.syncing")

from tests.e2e.harness import (  # noqa: E402
    Secrets,
    ServiceLog,
    ServiceThread,
    ShiftableClock,
    listening_socket,
)
from tests.e2e.syncing import Org, OrgReader, Workspace  # noqa: E402

__all__ = ["emulator", "emulator_server"]

SETTINGS_PAGE = "http://product.test/settings/crm"


@dataclass
class Service:
    """The running service and what tests need to reach behind it."""

    url: str
    config: Config
    database: Path
    clock: ShiftableClock
    log: ServiceLog
    env: dict[str, str]

    @property
    def callback_url(self) -> str:
        return f"{self.url}/api/oauth/callback/salesforce"


def service_env(
    emulator: EmulatorServer, database: Path, url: str, state: Path
) -> dict[str, str]:
    keys_file = state / "keys"
    if not keys_file.exists():
        keys_file.write_text(FernetTokenCipher.generate_key())
    return {
        "CRMBRIDGE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "CRMBRIDGE_ENCRYPTION_KEYS": keys_file.read_text(),
        "CRMBRIDGE_JWT_SECRET": "e2e-" + "s" * 60,
        "CRMBRIDGE_PUBLIC_URL": url,
        "CRMBRIDGE_SETTINGS_PAGE_URL": SETTINGS_PAGE,
        "CRMBRIDGE_SALESFORCE_LOGIN_URL": emulator.login_url,
        "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL": emulator.sandbox_login_url,
        "CRMBRIDGE_LOG_LEVEL": "DEBUG",
        # Tests stamp records in the past; no need to wait for in-flight rows.
        "CRMBRIDGE_SYNC_SETTLE_SECONDS": "0",
    }


def start_instance(config: Config, clock: ShiftableClock, sock: Any) -> ServiceThread:
    container = Container(config=config)
    container.clock.override(clock)
    return ServiceThread(container, sock).start()


@pytest.fixture(scope="session")
def service_log() -> Iterator[ServiceLog]:
    handler = ServiceLog()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet_libraries()
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture(autouse=True)
def _capturing(service_log: ServiceLog) -> None:
    """In-process CLI runs set logging up for themselves: each test starts
    with the capture attached again and at DEBUG, so a check of the log for
    secrets sees everything the service said."""
    root = logging.getLogger()
    if service_log not in root.handlers:
        root.addHandler(service_log)
    root.setLevel(logging.DEBUG)


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the session's service and commands run from."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def _from_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test, and each `crmbridge` it starts, runs from `home`."""
    monkeypatch.chdir(home)


@contextmanager
def running_service(
    emulator: EmulatorServer, log: ServiceLog, state: Path, home: Path
) -> Iterator[Service]:
    """The service on a new SQLite database in `state`, with keys of its own,
    started from `home` (where it resolves `./.crmbridge/`)."""
    database = state / "crmbridge.sqlite3"
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = service_env(emulator, database, url, state)
    config = load_config(env, state_dir=state)
    asyncio.run(upgrade_to_head(config.database_url))
    clock = ShiftableClock()
    with chdir(home):
        instance = start_instance(config, clock, sock)
    try:
        yield Service(url, config, database, clock, log, env)
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def service(
    emulator_server: EmulatorServer,
    service_log: ServiceLog,
    tmp_path_factory: pytest.TempPathFactory,
    home: Path,
) -> Iterator[Service]:
    state = tmp_path_factory.mktemp("crmbridge")
    with running_service(emulator_server, service_log, state, home) as shared:
        yield shared


@pytest.fixture
def demo(emulator: EmulatorServer, service: Service) -> Demo:
    """The demo orgs, users and a Connected App whose callback is ours."""
    return seed_demo(emulator.world, service.callback_url)


@pytest.fixture
async def flow(
    service: Service, emulator: EmulatorServer, demo: Demo
) -> AsyncIterator[Flow]:
    secrets = Secrets()
    log_start = len(service.log.lines)
    service.clock.offset = timedelta()
    async with httpx.AsyncClient(
        base_url=service.url, trust_env=False, timeout=60
    ) as http:
        flow = Flow(
            http, service, emulator, demo, secrets, f"ws-{uuid.uuid4().hex[:12]}"
        )
        yield flow
    service.clock.offset = timedelta()

    secrets.note_world(emulator.world)
    logged = service.log.since(log_start)
    assert logged, "the service's log captured nothing: the check below would pass"
    seen = "\n".join([*flow.responses, *logged])
    assert secrets.found_in(seen) == [], "a secret reached a response or the log"


@pytest.fixture
def org(emulator: EmulatorServer) -> Org:
    """An org of the test's own, with no records yet."""
    return Org.new(emulator.world)


@pytest.fixture
def workspace(
    service: Service, emulator: EmulatorServer, demo: Demo, org: Org
) -> Iterator[Workspace]:
    """A new workspace of the service, connected to `org`; at the end, no token
    of the emulator's may have reached the service's log."""
    log_start = len(service.log.lines)
    connected = Workspace(service.url, service.config.jwt_secret)
    connected.connect(emulator, org, demo.app)
    yield connected
    connected.close()

    secrets = Secrets()
    secrets.note_world(emulator.world)
    lines = service.log.since(log_start)
    assert lines, "the service's log captured nothing: the check below would pass"
    assert secrets.found_in("\n".join(lines)) == [], "a secret reached the log"


@pytest.fixture
def reader(emulator: EmulatorServer, demo: Demo, org: Org) -> Iterator[OrgReader]:
    """`org` through its REST API, for what the local copy must equal."""
    opened = OrgReader(emulator, org, demo.app)
    yield opened
    opened.close()
