"""The `crmbridge` command line: serve the API, sync, mint tokens, migrate, rotate.

Each command imports what it needs when it runs: `crmbridge sync` pays for
neither the HTTP server nor Alembic nor the demo, which cost about a second
of start-up together (`python -X importtime -c "import entrypoints.cli"`).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Mapping
from typing import Any

import click

from domain.crm import SYNC_ORDER
from domain.sync import SyncMode
from domain.workspace import Role
from entrypoints.config import Config, ConfigError, load_config
from entrypoints.logs import configure_logging


class LazyGroup(click.Group):
    """A group whose `lazy` commands (name -> "module:attribute") are imported
    only when run or listed by --help."""

    def __init__(self, *args: Any, lazy: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = self.lazy[cmd_name].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
        return command


def configured(**overrides: Any) -> Config:
    """Load the configuration, or exit with the problem (never a secret)."""
    try:
        config = load_config(**overrides)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    configure_logging(config.log_level.value)
    return config


@click.group(cls=LazyGroup, lazy={"demo": "entrypoints.demo.command:demo"})
def main() -> None:
    """crmbridge: connect workspaces to their Salesforce orgs."""


@main.command()
@click.option("--host", default=None, help="Interface to bind [CRMBRIDGE_HOST].")
@click.option("--port", type=int, default=None, help="Port [CRMBRIDGE_PORT].")
def serve(host: str | None, port: int | None) -> None:
    """Migrate the database to the newest schema, then serve the HTTP API."""
    import uvicorn

    from adapters.persistence import ensure_at_head
    from entrypoints.container import container_for
    from entrypoints.http import create_app

    config = configured(host=host, port=port)
    asyncio.run(ensure_at_head(config.database_url))
    click.echo(f"crmbridge listening on http://{config.host}:{config.port}", err=True)
    uvicorn.run(
        create_app(container_for(config)),
        host=config.host,
        port=config.port,
        log_config=None,
        access_log=False,
        server_header=False,
    )


@main.command()
@click.option("--workspace", required=True, help="The workspace the token acts on.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.ADMIN.value,
    show_default=True,
)
@click.option("--sub", default="local-user", show_default=True, help="Subject.")
@click.option("--ttl", type=click.IntRange(1, 86400 * 30), default=3600)
def token(workspace: str, role: str, sub: str, ttl: int) -> None:
    """Print a bearer token signed with the configured secret, for local use."""
    from entrypoints import bearer

    config = configured()
    try:
        minted = bearer.mint(
            config.jwt_secret,
            workspace=workspace,
            role=Role(role),
            subject=sub,
            ttl=ttl,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--workspace") from None
    click.echo(minted)


@main.command()
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
    help="Repeat to pick several; all three by default.",
)
def sync(workspace: str, mode: str, objects: tuple[str, ...]) -> None:
    """Sync a workspace's org now, in the foreground, with a progress bar.

    Migrates the database first if its schema is behind. Exits non-zero, with
    the problem, unless the sync succeeds.
    """
    from rich.console import Console

    from application.errors import ApplicationError
    from entrypoints.sync_command import report, sync_command, sync_in_foreground

    config = configured()
    command = sync_command(workspace, SyncMode(mode), objects)
    console = Console(stderr=True)
    try:
        job = asyncio.run(sync_in_foreground(config, command, console))
    except ApplicationError as exc:
        hint = f" {exc.hint}" if exc.hint else ""
        raise click.ClickException(f"{exc.message}{hint}") from None
    report(job)


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest revision."""
    from adapters.persistence import upgrade_to_head

    config = configured()
    asyncio.run(upgrade_to_head(config.database_url))
    click.echo("database schema is up to date", err=True)


@main.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt stored secrets with the first of CRMBRIDGE_ENCRYPTION_KEYS."""
    config = configured()
    count = asyncio.run(_reencrypt(config))
    click.echo(f"re-encrypted {count} stored secrets with the first key", err=True)


async def _reencrypt(config: Config) -> int:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from adapters.encryption import FernetTokenCipher
    from adapters.persistence import reencrypt_all
    from entrypoints.container import container_for, resolve, settle

    container = container_for(config)
    await settle(container.init_resources())
    try:
        sessions = await resolve(container.sessions, async_sessionmaker)
        cipher = await resolve(container.cipher, FernetTokenCipher)
        return await reencrypt_all(sessions, cipher)
    finally:
        await settle(container.shutdown_resources())


if __name__ == "__main__":
    sys.exit(main())
