"""One sync runner for the worker processes of `crmbridge serve --workers N`.

Every worker answers requests, but sync jobs must run in one process per
database: `InProcessSyncScheduler.start` resubmits every queued job, and
RunSync's start is not a compare-and-set, so two runners would run a job
twice. The workers elect one: the process holding an exclusive lock on a file
runs every job; the others hand the jobs they queue to it, one file per job
in a folder beside the lock. When the runner's process ends, however it ends,
the kernel drops its lock, and another worker takes over at its next try and
resubmits what is still queued. A worker asked to stop never takes over: when
all of `serve` stops, the leader lets the lock go at the end of its lifespan
while the others may still be finishing their requests, and one of them
would otherwise start a runner, and queued jobs in it, only to stop them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from pathlib import Path

import msgspec
from sqlalchemy.engine import make_url

from application.errors import SyncNotScheduled
from application.sync.ports import SyncScheduler
from entrypoints.worker.in_process import (
    InProcessSyncScheduler,
    Key,
    ServiceTask,
    cancel_and_wait,
)
from entrypoints.worker.parent import ParentWatch
from entrypoints.worker.signals import StopSignals

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25


def runner_folder(database_url: str, state_dir: Path) -> Path:
    """Where the workers serving `database_url` from `state_dir` meet."""
    # Limitation: a lock on this host's disk, keyed by the state folder: a
    # service on another host, or run from another folder, runs its own runner.
    shown = make_url(database_url).render_as_string(hide_password=True)
    digest = hashlib.sha256(shown.encode()).hexdigest()[:16]
    return state_dir.resolve() / "runner" / digest


class RunnerFolderUnusable(Exception):
    """Raised when the runner folder cannot hold the lock and the handoffs."""


def check_runner_folder(folder: Path) -> None:
    """Make the folder's parts and try each, or say in one line what fails."""
    try:
        handoffs = folder / "handoffs"
        handoffs.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600))
        probe = handoffs / f".probe.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RunnerFolderUnusable(
            f"the sync runner folder is not usable: {_said(exc)}"
        ) from exc


class RunnerLock:
    """An exclusive `flock` on a file, tried without waiting; the kernel
    releases it when the holding process exits."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._held: int | None = None

    def acquire(self) -> bool:
        """True if this process holds the lock now (or already did)."""
        # Limitation: POSIX only; on Windows, serve with one worker.
        import fcntl

        if self._held is not None:
            return True
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._held = handle
        return True

    def release(self) -> None:
        if self._held is not None:
            os.close(self._held)
            self._held = None


class Handoffs:
    """Jobs queued by workers that do not run them, one file per job, until
    the runner takes them. Files appear whole (written aside, then renamed)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def post(self, workspace_id: str, job_id: str) -> None:
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = msgspec.json.encode((workspace_id, job_id))
        # Names sort by posting time, across processes (one clock).
        name = f"{time.time_ns():020d}-{hashlib.sha256(body).hexdigest()[:16]}"
        aside = self._folder / f".{name}.{os.getpid()}"
        aside.write_bytes(body)
        os.replace(aside, self._folder / f"{name}.job")

    def take(self) -> list[Key]:
        """Every job posted so far, oldest first; their files are removed."""
        if not self._folder.is_dir():
            return []
        posted = sorted(self._folder.glob("*.job"))
        return [key for path in posted if (key := _taken(path)) is not None]


def _said(exc: OSError) -> str:
    """What failed where, in one line: `path: reason`."""
    reason = exc.strerror or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason


def _taken(path: Path) -> Key | None:
    try:
        body = path.read_bytes()
        path.unlink()
        workspace_id, job_id = msgspec.json.decode(body, type=tuple[str, str])
    except FileNotFoundError:
        return None
    except msgspec.DecodeError:
        logger.warning("ignored an unreadable sync handoff %s", path.name)
        return None
    return workspace_id, job_id


class SharedSyncScheduler(SyncScheduler, ServiceTask):
    """The scheduler of each worker; jobs run in the one holding the lock.

    - `submit` runs the job here if this worker holds the lock, and hands it
      over otherwise;
    - `cancel` needs nothing from a worker without the lock: CancelSync has
      ended a queued job in the database, and a running one stops at its next
      page, whichever process runs it;
    - `start` tries the lock, then keeps trying every `poll_seconds` while
      another worker holds it, and, holding it, takes the handed-over jobs;
    - `stand_down` (on SIGINT or SIGTERM, with `hear_stop_signals`): this
      process is stopping, so it never takes the lock from then on; nor once
      `supervisor` is gone: the leader, stopping on its own as soon as it
      sees that, lets the lock go before this worker hears its own stop;
    - `stop` stops the runner, if it ran here, before letting the lock go.
    """

    def __init__(
        self,
        runner: InProcessSyncScheduler,
        folder: Path,
        *,
        poll_seconds: float = POLL_SECONDS,
        hear_stop_signals: bool = False,
        supervisor: ParentWatch | None = None,
    ) -> None:
        self._runner = runner
        self._supervisor = supervisor
        self._lock = RunnerLock(folder / "lock")
        self._handoffs = Handoffs(folder / "handoffs")
        self._poll_seconds = poll_seconds
        self._leading = False
        self._standing_down = False
        self._signals = StopSignals(self.stand_down) if hear_stop_signals else None
        self._watch: asyncio.Task[None] | None = None

    @property
    def runs_jobs(self) -> bool:
        return self._leading

    def submit(self, workspace_id: str, job_id: str) -> None:
        if self._leading:
            self._runner.submit(workspace_id, job_id)
            return
        try:
            self._handoffs.post(workspace_id, job_id)
        except OSError as exc:
            logger.error(
                "could not hand a sync to the runner workspace=%s job=%s: %s",
                workspace_id,
                job_id,
                _said(exc),
            )
            raise SyncNotScheduled(exc.strerror or type(exc).__name__) from exc

    def cancel(self, workspace_id: str, job_id: str) -> None:
        if self._leading:
            self._runner.cancel(workspace_id, job_id)

    def stand_down(self) -> None:
        """This process has begun to stop: it never takes the lock from now on.

        A runner it leads already runs on until `stop`. Only sets a flag, so a
        signal handler may call it.
        """
        self._standing_down = True

    async def start(self) -> None:
        # Heard from the lifespan's start: a stop asked before that (serve
        # stopping in this worker's first moments) still ends in a runner
        # started and stopped at once.
        if self._signals is not None:
            self._signals.install()
        await self._try()
        self._watch = asyncio.get_running_loop().create_task(
            self._watching(), name="sync runner election"
        )

    async def stop(self) -> None:
        await cancel_and_wait(self._watch)
        if self._leading:
            await self._runner.stop()
            self._leading = False
        self._lock.release()
        if self._signals is not None:
            self._signals.restore()

    async def _watching(self) -> None:
        failing: str | None = None  # The failure logged last, said once.
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self._try()
            except Exception as exc:
                said = f"{type(exc).__name__}: {exc}"
                if said != failing:
                    logger.error("sync runner election failed", exc_info=exc)
                else:
                    logger.debug("sync runner election still failing: %s", said)
                failing = said
            else:
                if failing is not None:
                    logger.info("sync runner election works again")
                failing = None

    async def _try(self) -> None:
        if self._supervisor is not None and self._supervisor.gone():
            self.stand_down()
        # Not the leader keeping the lock until its process exits: a worker
        # still finishing a slow request would take it then all the same, and
        # a process that stopped its runner but lives on (an app started
        # again in it, a test) would keep every other from leading.
        if not self._leading and not self._standing_down and self._lock.acquire():
            if self._standing_down:  # Heard between the check and the lock.
                self._lock.release()
                return
            # Leading only once the leftovers are resubmitted; a failure
            # keeps the lock and tries again at the next poll.
            await self._runner.start()
            self._leading = True
            logger.info("this worker runs the sync jobs pid=%d", os.getpid())
        if self._leading:
            for workspace_id, job_id in self._handoffs.take():
                self._runner.submit(workspace_id, job_id)
