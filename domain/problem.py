"""A user-facing problem: a stable code, a message for people, a hint to act on."""

from __future__ import annotations

import msgspec


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    message: str
    hint: str | None = None


# Problems naming something left to do outside crmbridge: a later disconnect,
# environment switch or failed authorization does not make them go away.
STANDING = frozenset({"grant_not_revoked"})


def standing(problem: Problem | None) -> Problem | None:
    """`problem` if it must stay in sight until a new connection, else None."""
    return problem if problem is not None and problem.code in STANDING else None
