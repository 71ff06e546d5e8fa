"""The `crmbridge` command line: serve the API, sync, mint tokens, migrate, rotate.

Each command imports what it needs when it runs: `crmbridge sync` pays for
neither the HTTP server nor Alembic nor the demo, which cost about a second
of start-up together (`python -X importtime -c "import entrypoints.cli"`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from domain.problems import plural
from entrypoints.commands.bearer_token import token
from entrypoints.commands.migrate import migrate
from entrypoints.commands.preflight import configured, opened, schema_known
from entrypoints.commands.serve import serve
from entrypoints.commands.sync import sync
from entrypoints.config import (
    Config,
    variable,
)
from entrypoints.loop import run

if TYPE_CHECKING:
    from adapters.persistence import Reencrypted


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


# The commands are handed to the group, not registered by their modules:
# under `python -m entrypoints.cli` this module runs as `__main__`, and a
# command module importing it would build a second, different group.
@click.group(
    cls=LazyGroup,
    commands=[serve, token, sync, migrate],
    lazy={"demo": "entrypoints.demo.command:demo"},
)
def main() -> None:
    """crmbridge: connect workspaces to their Salesforce orgs."""


@main.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt stored secrets with the first of CRMBRIDGE_ENCRYPTION_KEYS.

    Migrates the database first if its schema is behind. Exits non-zero,
    changing nothing of theirs, if some no configured key opens.
    """
    from adapters.persistence import ensure_at_head

    config = configured()
    opened(config)
    with schema_known(config):
        run(ensure_at_head(config.database_url))
    result = run(_reencrypt(config))
    done = plural(result.done, "stored secret")
    click.echo(f"re-encrypted {done} with the first key", err=True)
    if result.unreadable:
        raise click.ClickException(
            f"{plural(result.unreadable, 'stored secret')} cannot be decrypted "
            "with any of "
            f"{variable('encryption_keys')}; left as stored. Put the key that "
            f"encrypted {'it' if result.unreadable == 1 else 'them'} back in the "
            "list, after the first, and run rotate-keys again; drop no old key "
            "until it reports none."
        )


async def _reencrypt(config: Config) -> Reencrypted:
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
    from entrypoints.console import finish, standard_streams

    standard_streams()
    finish(main)
