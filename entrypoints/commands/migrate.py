"""`crmbridge migrate`: bring the database schema to the newest revision."""

from __future__ import annotations

import click

from entrypoints.commands.preflight import configured, opened, schema_known
from entrypoints.loop import run


@click.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest revision."""
    from adapters.persistence import upgrade_to_head

    config = configured(uses=())
    opened(config)
    with schema_known(config):
        run(upgrade_to_head(config.database_url))
    click.echo("database schema is up to date", err=True)
