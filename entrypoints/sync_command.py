"""`crmbridge sync`: one job through the same use cases as the API, run here,
with progress bars on stderr and a summary on stdout."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import Any

import click
import msgspec
from dependency_injector import providers
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import ensure_engine_at_head
from application.sync.jobs import GetSync, StartSync
from domain.crm import CrmObject
from domain.errors import InvalidSetting
from domain.problems import plural, sentences
from domain.sync import SyncJob, SyncMode, SyncState, new_job_id
from domain.workspace import Actor, Role
from entrypoints.config import Config
from entrypoints.console import STOP_SIGNALS, end_at_once, stops_interrupt_nothing
from entrypoints.container import container_for, resolve, settle
from entrypoints.progress import ProgressBars
from entrypoints.worker import ForegroundScheduler, SyncJobExecutor

AT_ONCE = (
    "a run it interrupted ends as interrupted when the next sync starts, "
    "and goes on from its last committed page"
)
# What a second stop says as it ends the process; while the job still runs,
# AT_ONCE follows it. Once the run is over, nothing is left to interrupt.
FINISHED_AT_ONCE = "sync stopped at once ({signal})"


class StoppedBySignal(Exception):
    """Raised when SIGINT or SIGTERM stopped the sync; the job, if it ran, is
    paused (`sync_stopped`) and the next sync goes on from its last page."""

    def __init__(self, signum: int, *, job_started: bool) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.job_started = job_started

    def line(self) -> str:
        """What the command says of the stop."""
        if not self.job_started:
            return f"sync stopped ({self}) before its job started"
        return (
            f"sync stopped ({self}): a run it interrupted is paused, and the "
            "next sync goes on from its last committed page"
        )


async def sync_in_foreground(
    config: Config, command: StartSync.Command, console: Console
) -> SyncJob:
    """Migrate if the schema is behind, queue a job (StartSync's rules apply),
    then run it with progress bars. SIGINT (Ctrl-C) and SIGTERM (a process
    manager's stop) both pause the job and raise `StoppedBySignal`; a second
    one exits at once, leaving the job to end as interrupted. Once the job
    has ended, a first signal interrupts nothing: the command finishes and
    reports the job as it ended."""
    with _stopping_on_signals() as stops:
        try:
            return await _sync(config, command, console, stops)
        except asyncio.CancelledError:
            if not stops.received:
                raise
            raise StoppedBySignal(
                stops.received[0], job_started=stops.job_started
            ) from None


class _Stops:
    """The stop signals the run has heard, and whether its job has started
    (was queued) and ended."""

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self.received: list[int] = []
        self.job_started = False
        self.job_ended = False
        self._task = task

    def heard(self, signum: int) -> None:
        if self.received:
            after = "" if self.job_ended else f": {AT_ONCE}"
            end_at_once(signum, f"\n{FINISHED_AT_ONCE}{after}")
        self.received.append(signum)
        if not self.job_ended:
            self._task.cancel()


@contextlib.contextmanager
def _stopping_on_signals() -> Iterator[_Stops]:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    stops = _Stops(task)
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stops.heard, signum)
    try:
        yield stops
    finally:
        _hand_over(loop, stops)


def _hand_over(loop: asyncio.AbstractEventLoop, stops: _Stops) -> None:
    """Give the stop signals to `stops_interrupt_nothing` as the run ends.

    Removing the loop's handlers puts the defaults back (SIGTERM would kill
    the process, SIGINT raise KeyboardInterrupt): the stops are held off in
    this thread until the new handlers are in, and a KeyboardInterrupt from
    one already on its way counts as a stop heard.
    """
    heard = list(stops.received)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for signum in STOP_SIGNALS:
            try:
                loop.remove_signal_handler(signum)
            except KeyboardInterrupt:
                heard.append(signal.SIGINT)
        while True:
            try:
                stops_interrupt_nothing(FINISHED_AT_ONCE, heard=heard)
                break
            except KeyboardInterrupt:
                heard.append(signal.SIGINT)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


async def _sync(
    config: Config, command: StartSync.Command, console: Console, stops: _Stops
) -> SyncJob:
    container = _container(config)
    await settle(container.init_resources())
    try:
        await ensure_engine_at_head(await resolve(container.engine, AsyncEngine))
        executor = await resolve(container.executor, SyncJobExecutor)
        job_id = new_job_id(container.clock().now())
        # Held before the job is queued: killed at any point after, this
        # process leaves a lock that reads free, and the job ends at once.
        with executor.claim(command.actor.workspace_id, job_id):
            job = await _queued(container, command, job_id, executor)
            stops.job_started = True
            console.print(f"sync {job.job_id} started ({job.mode.value})")
            with ProgressBars(console) as bars:
                bars.show(job)
                container.run_sync.add_kwargs(progress=bars)
                ended = await executor.run(job.workspace_id, job.job_id, claimed=True)
                # Stopping now would say "paused" of a job that has ended.
                stops.job_ended = True
        return ended or await _stored(container, command.actor, job.job_id)
    finally:
        await settle(container.shutdown_resources())


async def _queued(
    container: Any, command: StartSync.Command, job_id: str, executor: SyncJobExecutor
) -> SyncJob:
    """StartSync's job, named `job_id`; its lock file goes if StartSync
    refuses. A stop inside StartSync pauses the job if it is stored by then."""
    start = await resolve(container.start_sync, StartSync)
    workspace_id = command.actor.workspace_id
    try:
        return await start.execute(msgspec.structs.replace(command, job_id=job_id))
    except asyncio.CancelledError:
        # Limitation: a job not stored yet leaves its empty lock file, as its
        # commit may still land: the file is how the next sync tells at once
        # that this process is gone (without it, a stale wait).
        await executor.stop(workspace_id, job_id)
        raise
    except Exception:
        container.liveness().forget(workspace_id, job_id)
        raise


def _container(config: Config) -> Any:
    container = container_for(config)
    container.scheduler.override(providers.Object(ForegroundScheduler()))
    # This process serves nothing else: the page writes may hold its loop.
    container.uow.add_kwargs(writes_on_loop=True)
    return container


async def _stored(container: Any, actor: Actor, job_id: str) -> SyncJob:
    use_case = await resolve(container.get_sync, GetSync)
    return await use_case.execute(actor, job_id)


def sync_command(
    workspace: str, mode: SyncMode, objects: tuple[str, ...]
) -> StartSync.Command:
    try:
        actor = Actor(workspace_id=workspace, subject="crmbridge-cli", role=Role.OWNER)
    except InvalidSetting as exc:
        raise click.BadParameter(exc.message, param_hint="'--workspace'") from None
    chosen = tuple(CrmObject(name) for name in dict.fromkeys(objects)) or None
    return StartSync.Command(actor=actor, mode=mode, objects=chosen)


def report(job: SyncJob) -> None:
    """One line per object, then the outcome; a ClickException unless it succeeded."""
    for progress in job.progress:
        # Only a full read sweeps: its count is left out where it is nothing.
        swept = f", {progress.swept} swept" if progress.swept else ""
        click.echo(
            f"{progress.object.value}: {progress.seen} seen, {progress.written} "
            f"written, {progress.deleted} deleted{swept}, "
            f"{plural(progress.pages, 'page')}, "
            f"{plural(progress.api_calls, 'API call')}"
        )
    if job.is_active:
        # The run is over, so it could not store its end (the log says why).
        raise click.ClickException(
            f"sync {job.job_id} stopped, but could not store how it ended (see "
            "above): it shows as running until the database is back, then the "
            "next sync's start ends it as interrupted"
        )
    if job.state is not SyncState.SUCCEEDED:
        problem = job.problem
        said = f": {sentences(problem.message, problem.hint)}" if problem else ""
        raise click.ClickException(f"sync {job.job_id} {job.state.value}{said}")
    click.echo(f"sync {job.job_id} succeeded")
