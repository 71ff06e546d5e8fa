"""Stop a worker of `crmbridge serve --workers N` whose supervisor is gone.

uvicorn's supervisor stops its workers with SIGTERM. Killed outright (`kill
-9`, the OOM killer) it sends nothing, and the workers would live on as
orphans: still listening on the port, still running sync jobs. Each worker
notes its parent at start-up and watches for a change, which means it was
handed to another (init, or a subreaper); it then sends itself the SIGTERM
the supervisor would have sent, so it stops as on every stop: no new
requests, the runner's jobs paused, the port let go.

Linux's `PR_SET_PDEATHSIG` would do this in the kernel, but only through
ctypes, and only on Linux; `os.getppid` works on every POSIX system.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable

from entrypoints.worker.in_process import ServiceTask, cancel_and_wait

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5


def stop_this_process() -> None:
    """What the supervisor sends a worker it stops: SIGTERM."""
    signal.raise_signal(signal.SIGTERM)


class ParentWatch(ServiceTask):
    """While started, calls `stop` once if this process's parent is no
    longer `parent`, checked every `poll_seconds`; `gone` asks at once.

    Limitation: a supervisor that died before `parent` was read (the worker's
    first moments) goes unnoticed; it is read as the worker builds its app.
    """

    def __init__(
        self,
        parent: int,
        *,
        poll_seconds: float = POLL_SECONDS,
        stop: Callable[[], None] = stop_this_process,
    ) -> None:
        self._parent = parent
        self._poll_seconds = poll_seconds
        self._stop = stop
        self._watch: asyncio.Task[None] | None = None

    def gone(self) -> bool:
        """True once this process has another parent than at start-up."""
        return os.getppid() != self._parent

    async def start(self) -> None:
        self._watch = asyncio.get_running_loop().create_task(
            self._watching(), name="supervisor watch"
        )

    async def stop(self) -> None:
        await cancel_and_wait(self._watch)

    async def _watching(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            if self.gone():
                break
        logger.warning(
            "the serve process %d is gone: this worker stops pid=%d",
            self._parent,
            os.getpid(),
        )
        self._stop()
