"""What the `crmbridge` commands check before their work, each a one-line exit.

Configuration first, then the database, then its schema revision: each
problem ends the command with one line saying why, not a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from entrypoints.config import (
    SECRETS,
    Config,
    ConfigError,
    load_config,
    unknown_variables,
    variable,
)
from entrypoints.logs import configure_logging
from entrypoints.loop import run

logger = logging.getLogger(__name__)


def configured(
    *, uses: Collection[str] = SECRETS, overrides: Mapping[str, Any] | None = None
) -> Config:
    """Load the configuration, or exit with the problem (never a secret);
    `uses`: the secrets the command needs (see `load_config`)."""
    try:
        config = load_config(uses=uses, **(overrides or {}))
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    configure_logging(config.log_level.value)
    for line in unknown_variables():
        logger.warning("configuration: %s", line)
    return config


def opened(config: Config) -> None:
    """Open the configured database once, or exit with one line saying why.

    Every command that works on the database calls this first, before it says
    or starts anything: a bad URL or a server that does not answer would
    otherwise end it in the driver's traceback. No password is shown.
    """
    from adapters.persistence import (
        DatabaseUnavailable,
        DatabaseUrlInvalid,
        check_database,
    )

    setting = variable("database_url")
    try:
        run(check_database(config.database_url))
    except DatabaseUrlInvalid as exc:
        raise click.ClickException(f"configuration: {setting}: {exc}") from None
    except DatabaseUnavailable as exc:
        raise click.ClickException(
            f"cannot open the database {exc.url} ({setting}): {exc.reason}. "
            f"{_DATABASE_HINTS.get(exc.backend, _DATABASE_HINTS['postgresql'])}"
        ) from None


@contextmanager
def schema_known(config: Config) -> Iterator[None]:
    """Turn a schema revision this crmbridge lacks into one line and exit 1.

    Around every call that checks or migrates the schema: Alembic would end
    the command in a traceback about a revision it cannot locate.
    """
    from adapters.persistence import SchemaRevisionUnknown, parse_database_url
    from adapters.persistence.probe import shown_url

    try:
        yield
    except SchemaRevisionUnknown as exc:
        shown = shown_url(parse_database_url(config.database_url))
        named = ", ".join(repr(revision) for revision in exc.revisions)
        raise click.ClickException(
            f"the database {shown} ({variable('database_url')}) has schema "
            f"revision {named}, unknown to this crmbridge (it knows up to "
            f"{exc.head!r}): a newer crmbridge, or another program, wrote it. "
            "Run the crmbridge that migrated it, or point the variable at "
            "another database; nothing was changed."
        ) from None


_DATABASE_HINTS = {
    "sqlite": "Check that the path names a file (or none yet) in a folder "
    "crmbridge may write to, or correct the URL.",
    "postgresql": "Check that the server runs and answers there, and that the "
    "URL, user and password are right.",
}
