"""Who is acting: a workspace member and what their role allows."""

from __future__ import annotations

import enum

import msgspec


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
