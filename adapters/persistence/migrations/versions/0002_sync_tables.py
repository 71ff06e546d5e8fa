"""People, companies, sync jobs and cursors, field mappings, cached describes.

Revision ID: 0002
Revises: 0001
Created: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)
ACTIVE_JOB = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    _people()
    _companies()
    _sync_jobs()
    _per_workspace_state()


def downgrade() -> None:
    for table in (
        "describe_cache",
        "field_mappings",
        "sync_cursors",
        "sync_jobs",
        "companies",
        "people",
    ):
        op.drop_table(table)


def _people() -> None:
    op.create_table(
        "people",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("lead_id", sa.String(), nullable=True),
        sa.Column("contact_id", sa.String(), nullable=True),
        sa.Column("account_id", sa.String(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("lead_deleted", sa.Boolean(), nullable=False),
        sa.Column("contact_deleted", sa.Boolean(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("modstamp", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("lead_seen_job", sa.String(), nullable=True),
        sa.Column("contact_seen_job", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "person_id", name="pk_people"),
    )
    for column in ("lead_id", "contact_id"):
        op.create_index(
            f"uq_people_workspace_id_{column}",
            "people",
            ["workspace_id", column],
            unique=True,
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )
    op.create_index(
        "ix_people_workspace_id_updated_at",
        "people",
        ["workspace_id", "updated_at", "person_id"],
    )
    op.create_index(
        "ix_people_workspace_id_email",
        "people",
        ["workspace_id", "email", "updated_at", "person_id"],
    )


def _companies() -> None:
    op.create_table(
        "companies",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("modstamp", UTC_TIMESTAMP, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("seen_job", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "account_id", name="pk_companies"),
    )
    op.create_index(
        "ix_companies_workspace_id_updated_at",
        "companies",
        ["workspace_id", "updated_at", "account_id"],
    )


def _sync_jobs() -> None:
    op.create_table(
        "sync_jobs",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("job_id", sa.String(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("objects", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("finished_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("heartbeat_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("until", UTC_TIMESTAMP, nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "job_id", name="pk_sync_jobs"),
    )
    op.create_index(
        "ix_sync_jobs_workspace_id_created_at",
        "sync_jobs",
        ["workspace_id", "created_at"],
    )
    op.create_index(
        "uq_sync_jobs_one_active_per_workspace",
        "sync_jobs",
        ["workspace_id"],
        unique=True,
        sqlite_where=ACTIVE_JOB,
        postgresql_where=ACTIVE_JOB,
    )


def _per_workspace_state() -> None:
    op.create_table(
        "sync_cursors",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("object", sa.String(16), nullable=False),
        sa.Column("modstamp", UTC_TIMESTAMP, nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "object", name="pk_sync_cursors"),
    )
    op.create_table(
        "field_mappings",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_field_mappings"),
    )
    op.create_table(
        "describe_cache",
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("object", sa.String(16), nullable=False),
        sa.Column("describe", sa.Text(), nullable=False),
        sa.Column("fetched_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "object", name="pk_describe_cache"),
    )
