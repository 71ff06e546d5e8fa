"""`crmbridge serve`: migrate, check the port and folders once, then run uvicorn."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from functools import partial
from typing import Any

import click

from entrypoints.commands.preflight import configured, opened, schema_known
from entrypoints.config import MAX_WORKERS, STATE_DIR, Config, variable
from entrypoints.loop import freeze_start_up, run

# What each worker process of `crmbridge serve --workers N` imports and calls.
APP_FACTORY = "entrypoints.http.app:app_from_environment"


def http_address(host: str, port: int) -> str:
    """The address a listener announces; an IPv6 host in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@click.command()
@click.option("--host", default=None, help="Interface to bind [CRMBRIDGE_HOST].")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port [CRMBRIDGE_PORT].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=None,
    help="Processes answering requests [CRMBRIDGE_WORKERS, default 1].",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Migrate the database to the newest schema, then serve the HTTP API.

    With several workers every one answers requests, and the sync jobs all run
    in one of them.
    """
    import uvicorn

    from adapters.persistence import ensure_at_head
    from entrypoints.http.bounded_head import BoundedHttpToolsProtocol

    if host is not None and not host.strip():
        # Blank, uvicorn would listen on every interface.
        raise click.BadParameter("must not be empty", param_hint="'--host'")
    options = {"host": host, "port": port, "workers": workers}
    config = configured(overrides=options)
    opened(config)
    if config.workers > 1:
        _check_runner_folder(config)
    _check_port(config.host, config.port)
    with schema_known(config):
        run(ensure_at_head(config.database_url))
    shown = f" ({config.workers} workers)" if config.workers > 1 else ""
    click.echo(
        f"crmbridge listening on {http_address(config.host, config.port)}{shown}",
        err=True,
    )
    freeze_start_up()  # This process only serves, or watches its workers.
    uvicorn.run(
        application(config, options),
        factory=True,
        workers=config.workers,
        host=config.host,
        port=config.port,
        log_config=None,
        access_log=False,
        server_header=False,
        http=BoundedHttpToolsProtocol,
    )


def _check_runner_folder(config: Config) -> None:
    """Workers would each die on an unusable folder: say so once, up front."""
    from entrypoints.worker import (
        RunnerFolderUnusable,
        check_runner_folder,
        runner_folder,
    )

    try:
        check_runner_folder(runner_folder(config.database_url, STATE_DIR))
    except RunnerFolderUnusable as exc:
        raise click.ClickException(str(exc)) from None


def _check_port(host: str, port: int) -> None:
    """uvicorn meets a busy port only after start-up, and says so at length:
    try the bind first, as uvicorn will, and fail in one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {reason}"
            ) from None


def application(config: Config, options: Mapping[str, object]) -> Any:
    """What uvicorn calls for the app: built here for one worker; for several,
    an import string each worker process resolves and calls on its own."""
    if config.workers == 1:
        from entrypoints.http.app import app_for

        return partial(app_for, config)
    # New interpreters: they find the command line's options in the environment.
    for field, value in options.items():
        if value is not None:
            os.environ[variable(field)] = str(value)
    return APP_FACTORY
