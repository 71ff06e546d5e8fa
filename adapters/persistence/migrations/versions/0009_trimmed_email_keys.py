"""People's email keys without the whitespace around them.

Revision ID: 0009
Revises: 0008
Created: 2026-12-06

The `email` column is what the email filter matches (`domain.person.email_key`).
Before this revision it was kept lower-cased but not trimmed, so a stored
address with spaces around it (a mapping without the `trim` transform) could
never be found: the filter trims what it is given. Rows stored since are
trimmed; this trims the rows stored before.
"""

from __future__ import annotations

import sys

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# What `str.strip()` takes off, as both databases' trim functions take a set.
_WHITESPACE = "".join(
    char for char in map(chr, range(sys.maxunicode + 1)) if char.isspace()
)


def upgrade() -> None:
    trim = "btrim" if op.get_bind().dialect.name == "postgresql" else "trim"
    op.execute(
        sa.text(
            f"UPDATE people SET email = {trim}(email, :whitespace) "  # noqa: S608 (one of two names)
            f"WHERE email <> {trim}(email, :whitespace)"
        ).bindparams(whitespace=_WHITESPACE)
    )


def downgrade() -> None:
    # The untrimmed keys matched nothing the filter was given: nothing to undo.
    pass
