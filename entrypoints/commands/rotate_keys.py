"""`crmbridge rotate-keys`: re-encrypt stored secrets with the newest key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from domain.problems import plural
from entrypoints.commands.preflight import configured, opened, schema_known
from entrypoints.config import Config, variable
from entrypoints.loop import run

if TYPE_CHECKING:
    from adapters.persistence import Reencrypted


@click.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt stored secrets with the first of CRMBRIDGE_ENCRYPTION_KEYS.

    Migrates the database first if its schema is behind. Exits non-zero,
    changing nothing of theirs, if some no configured key opens.
    """
    from adapters.persistence import ensure_at_head

    config = configured(uses=("encryption_keys",))
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
