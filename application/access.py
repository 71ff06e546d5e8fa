"""Role checks and loading a workspace's connection: shared by the use cases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import msgspec

from application.errors import Conflict, InvalidInput, NotPermitted
from application.ports import UnitOfWork
from domain.connection import Connection
from domain.errors import IllegalTransition, InvalidSetting
from domain.workspace import Actor


def require_manager(actor: Actor, action: str) -> None:
    """Only a workspace Owner or Admin may change the integration."""
    if not actor.role.can_manage_integrations:
        raise NotPermitted(f"only an Owner or Admin may {action}")


async def load_or_new(uow: UnitOfWork, workspace_id: str) -> Connection:
    """The connection, locked until `uow` ends, to change and save in it.

    A save writes the whole row, tokens included: read without the lock, a
    refresh or a callback that commits in between would be overwritten.
    """
    found = await uow.connections.get_for_update(workspace_id)
    return found or Connection(workspace_id=workspace_id)


def login_host_given(
    given: str | msgspec.UnsetType | None, stored: str | None
) -> str | None:
    """The My Domain a settings change leaves: the stored one when none is
    given (left out), none when it is cleared (null)."""
    return stored if isinstance(given, msgspec.UnsetType) else given


SETTINGS_HINT = (
    "Disconnect first; to move to the other environment, use the environment "
    "switch, which does it for you."
)


@contextmanager
def domain_rules(hint: str | None = None) -> Iterator[None]:
    """Translate the domain's refusals into the application's errors."""
    try:
        yield
    except InvalidSetting as exc:
        raise InvalidInput(exc.message, field=exc.field) from exc
    except IllegalTransition as exc:
        raise Conflict(exc.message, field=exc.field, hint=hint) from exc
