"""Who is acting: a workspace member and what their role allows."""

from __future__ import annotations

import enum
import re

import msgspec

from domain.errors import InvalidSetting

# Workspace ids end up in host names ({workspace} in the public URL), so they
# are restricted to what a DNS label allows.
WORKSPACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# What `WORKSPACE_ID` asks, as every refusal of a workspace id words it.
WORKSPACE_RULE = (
    "a workspace id is 1-64 letters, digits, '-' or '_', starting with a "
    "letter or digit"
)


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def can_manage_integrations(self) -> bool:
        return self in {Role.OWNER, Role.ADMIN}


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """The caller of a use case: acts on its own workspace only."""

    workspace_id: str
    subject: str
    role: Role

    def __post_init__(self) -> None:
        require_workspace_id(self.workspace_id)


def require_workspace_id(workspace_id: str) -> str:
    if not WORKSPACE_ID.fullmatch(workspace_id):
        raise InvalidSetting(WORKSPACE_RULE, field="workspace")
    return workspace_id
