"""Runs every listener of one emulated Salesforce in a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType

import uvicorn

from sfemulator.apps import build_app
from sfemulator.asgi import TransportAwareProtocol
from sfemulator.consent import ConsentError, aconsent, consent
from sfemulator.session import NoLoginForm, require_form_for
from sfemulator.world import LOGIN, LOGIN_ROLES, MYDOMAIN, SANDBOX, World, instance_role

MAX_PORT = 65535


class EmulatorServer:
    """One emulated Salesforce: three login hosts and N instance hosts.

    Each listener is its own 127.0.0.1 socket on an ephemeral port, because
    Salesforce tells its hosts apart by name and the emulator by port.
    `start()` returns once every listener accepts; `stop()` joins the thread.
    """

    def __init__(
        self, world: World | None = None, host: str = "127.0.0.1", first_port: int = 0
    ) -> None:
        """`first_port`: listen on it and the ports after it, one per role
        (login, sandbox login, My Domain, then each instance); 0 lets the
        system pick each one."""
        self.world = world or World()
        self.host = host
        self.first_port = first_port
        self._thread: threading.Thread | None = None
        self._servers: list[uvicorn.Server] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    @property
    def roles(self) -> list[str]:
        instances = [instance_role(i) for i in range(self.world.instance_count)]
        return [*LOGIN_ROLES, *instances]

    @property
    def login_url(self) -> str:
        return self.world.urls[LOGIN]

    @property
    def sandbox_login_url(self) -> str:
        return self.world.urls[SANDBOX]

    @property
    def mydomain_url(self) -> str:
        return self.world.urls[MYDOMAIN]

    @property
    def control_url(self) -> str:
        return self.world.urls[LOGIN] + "/_emulator"

    @property
    def instance_urls(self) -> list[str]:
        count = self.world.instance_count
        return [self.world.urls[instance_role(i)] for i in range(count)]

    def urls(self) -> dict[str, object]:
        """Every URL, as the CLI prints it."""
        return {
            "login_url": self.login_url,
            "sandbox_login_url": self.sandbox_login_url,
            "mydomain_url": self.mydomain_url,
            "instance_urls": self.instance_urls,
            "control_url": self.control_url,
        }

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        last = self.first_port + len(self.roles) - 1
        if self.first_port and last > MAX_PORT:
            raise RuntimeError(f"the emulator's ports would end past {MAX_PORT}")
        sockets: dict[str, socket.socket] = {}
        for index, role in enumerate(self.roles):
            port = self.first_port + index if self.first_port else 0
            try:
                sockets[role] = self._bind(port)
            except OSError as exc:
                for sock in sockets.values():
                    sock.close()
                where = f"{self.host}:{port}" if port else self.host
                raise RuntimeError(
                    f"the emulator could not listen on {where}: {exc.strerror}"
                ) from None
        for role, sock in sockets.items():
            self.world.urls[role] = f"http://{self.host}:{sock.getsockname()[1]}"
        self._ready.clear()
        self._thread = threading.Thread(
            target=self._run, args=(sockets,), name="sfemulator", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout=15) or self._failure is not None:
            self.stop()
            raise RuntimeError("the emulator did not start") from self._failure
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None:
            return
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._ask_exit)
        thread.join(timeout=15)
        if thread.is_alive():
            raise RuntimeError("the emulator thread did not stop")
        self._thread, self._loop, self._servers = None, None, []

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def consent(
        self, authorization_url: str, username: str, decision: str = "approve"
    ) -> str:
        """Log in and decide on the consent form over HTTP; the callback URL.

        Raises `ConsentError` (409) where the browser's session skips the form
        and so could not log in as `username` or `decision` (see `sign_in`).
        """
        self._require_form(authorization_url, username, decision)
        return consent(authorization_url, username, decision)

    async def aconsent(
        self, authorization_url: str, username: str, decision: str = "approve"
    ) -> str:
        """`consent` for async code."""
        self._require_form(authorization_url, username, decision)
        return await aconsent(authorization_url, username, decision)

    def _require_form(self, url: str, username: str, decision: str) -> None:
        try:
            require_form_for(self.world, url, username, decision)
        except NoLoginForm as exc:
            raise ConsentError(409, str(exc)) from None

    def _bind(self, port: int) -> socket.socket:
        # Naming IPPROTO_TCP lets asyncio set TCP_NODELAY; without it every
        # answer waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, port))
        except OSError:
            sock.close()
            raise
        sock.listen(128)
        sock.set_inheritable(True)
        return sock

    def _ask_exit(self) -> None:
        for server in self._servers:
            server.should_exit = True

    def _run(self, sockets: dict[str, socket.socket]) -> None:
        try:
            asyncio.run(self._serve(sockets))
        except BaseException as exc:  # reported to start(), which re-raises
            self._failure = exc
            self._ready.set()
        finally:
            for sock in sockets.values():
                sock.close()

    async def _serve(self, sockets: dict[str, socket.socket]) -> None:
        self._loop = asyncio.get_running_loop()
        self._servers = [self._server(role) for role in sockets]
        serving = [
            asyncio.create_task(server.serve(sockets=[sock]))
            for server, sock in zip(self._servers, sockets.values(), strict=True)
        ]
        while not all(server.started for server in self._servers):
            if any(task.done() for task in serving):
                break
            await asyncio.sleep(0.01)
        self._ready.set()
        await asyncio.gather(*serving)

    def _server(self, role: str) -> uvicorn.Server:
        config = uvicorn.Config(
            build_app(self.world, role),
            http=TransportAwareProtocol,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            date_header=False,  # FaultMiddleware dates answers by the world's clock
            timeout_graceful_shutdown=2,
        )
        return uvicorn.Server(config)
