"""When each object was last read to the end of a run's window.

Revision ID: 0006
Revises: 0005
Created: 2026-12-05

Salesforce keeps deleted records in its Recycle Bin for 15 days; an
incremental read from further back may miss some purged since, so such a
run reads the object in full and sweeps it (`domain.sync.misses_deletions`).
Each cursor stored before takes the newest bound of a kept job that read its
object to the end; one with no such job starts with none, and the next run
that reads the object to its end sets it.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


_JOBS = sa.table(
    "sync_jobs",
    sa.column("workspace_id", sa.String),
    sa.column("until", UtcDateTime()),
    sa.column("progress", sa.Text),
)
_CURSORS = sa.table(
    "sync_cursors",
    sa.column("workspace_id", sa.String),
    sa.column("object", sa.String),
    sa.column("read_through", UtcDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("sync_cursors") as batch:
        batch.add_column(
            sa.Column("read_through", sa.DateTime(timezone=True), nullable=True)
        )
    bind = op.get_bind()
    for (workspace_id, obj), until in _read_through_of_jobs(bind).items():
        bind.execute(
            sa.update(_CURSORS)
            .where(_CURSORS.c.workspace_id == workspace_id, _CURSORS.c.object == obj)
            .values(read_through=until)
        )


def _read_through_of_jobs(bind: sa.Connection) -> dict[tuple[str, str], datetime]:
    """Per workspace and object, the newest bound of a job that finished it."""
    newest: dict[tuple[str, str], datetime] = {}
    jobs = sa.select(_JOBS.c.workspace_id, _JOBS.c.until, _JOBS.c.progress).where(
        _JOBS.c.until.is_not(None)
    )
    for workspace_id, until, progress in bind.execute(jobs):
        for entry in json.loads(progress):
            key = (workspace_id, entry["object"])
            if entry.get("done") and (key not in newest or until > newest[key]):
                newest[key] = until
    return newest


def downgrade() -> None:
    with op.batch_alter_table("sync_cursors") as batch:
        batch.drop_column("read_through")
