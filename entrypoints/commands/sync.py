"""`crmbridge sync`'s command line: options, stop signals and exit statuses.

The job itself runs in `entrypoints.sync_command`, imported only when the
command runs.
"""

from __future__ import annotations

import signal
import sys

import click

from domain.crm import SYNC_ORDER
from domain.problems import sentences
from domain.sync import SyncMode
from entrypoints.commands.preflight import configured, opened, schema_known
from entrypoints.console import (
    collector_paused,
    stops_end_at_once,
    stops_interrupt_nothing,
)
from entrypoints.loop import run


@click.command()
@click.option("--workspace", required=True, help="The workspace whose org to sync.")
@click.option(
    "--mode",
    type=click.Choice([mode.value for mode in SyncMode]),
    default=SyncMode.INCREMENTAL.value,
    show_default=True,
    help="incremental: from the last committed cursor; full: everything again.",
)
@click.option(
    "--object",
    "objects",
    multiple=True,
    type=click.Choice([obj.value for obj in SYNC_ORDER]),
    help="Repeat to pick several (a repeat counts once); all three by default.",
)
def sync(workspace: str, mode: str, objects: tuple[str, ...]) -> None:
    """Sync a workspace's org now, in the foreground, with a progress bar.

    Migrates the database first if its schema is behind. Exits non-zero, with
    the problem, unless the sync succeeds.
    """
    try:
        # Until the run takes them (it pauses the job it has started), a
        # stop signal ends the command at once: nothing needs undoing yet.
        with stops_end_at_once("sync stopped ({signal}) before its job started"):
            _sync(workspace, mode, objects)
    except KeyboardInterrupt:
        # Every stage hands the signals on to the next without Python's
        # default handler in between; should a Ctrl-C still meet it, say so.
        click.echo("sync stopped (SIGINT)", err=True)
        sys.exit(128 + signal.SIGINT)


def _sync(workspace: str, mode: str, objects: tuple[str, ...]) -> None:
    with collector_paused():
        from rich.console import Console

        from application.errors import ApplicationError
        from entrypoints.sync_command import (
            FINISHED_AT_ONCE,
            StoppedBySignal,
            report,
            sync_command,
            sync_in_foreground,
        )

    config = configured(uses=("encryption_keys",))
    command = sync_command(workspace, SyncMode(mode), objects)
    opened(config)
    console = Console(stderr=True)
    try:
        with schema_known(config):
            job = run(sync_in_foreground(config, command, console))
    except ApplicationError as exc:
        raise click.ClickException(sentences(exc.message, exc.hint)) from None
    except StoppedBySignal as stopped:
        click.echo(stopped.line(), err=True)
        sys.exit(128 + stopped.signum)
    finally:
        # Whatever the run came to, only reporting it is left (the run has
        # taken the signals so already, unless it failed before its start).
        stops_interrupt_nothing(FINISHED_AT_ONCE)
    report(job)
