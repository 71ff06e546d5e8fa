"""The `crmbridge` command line: serve the API, sync, mint tokens, migrate, rotate.

Each command lives in `entrypoints.commands` and imports what it needs when
it runs: `crmbridge sync` pays for neither the HTTP server nor Alembic nor
the demo, which cost about a second of start-up together
(`python -X importtime -c "import entrypoints.cli"`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

from entrypoints.commands.bearer_token import token
from entrypoints.commands.migrate import migrate
from entrypoints.commands.rotate_keys import rotate_keys
from entrypoints.commands.serve import serve
from entrypoints.commands.sync import sync


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
    commands=[serve, token, sync, migrate, rotate_keys],
    lazy={"demo": "entrypoints.demo.command:demo"},
)
def main() -> None:
    """crmbridge: connect workspaces to their Salesforce orgs."""


if __name__ == "__main__":
    from entrypoints.console import finish, standard_streams

    standard_streams()
    finish(main)
