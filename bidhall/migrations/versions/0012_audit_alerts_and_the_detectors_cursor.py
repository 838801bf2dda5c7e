"""audit alerts and the detectors' cursor

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 17:33:29.623237
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_detector_cursor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_audit_detector_cursor")),
    )
    op.create_table(
        "audit_event_index",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event_index")),
    )
    with op.batch_alter_table("audit_event_index", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_index_session", ["session_id", "type"], unique=False)
        batch_op.create_index("ix_audit_event_index_tender", ["tender_id", "type"], unique=False)

    op.create_table(
        "audit_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detector", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("raised_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_audit_alerts_acknowledged_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_audit_alerts_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_audit_alerts_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_alerts")),
        sa.UniqueConstraint("key", name=op.f("uq_audit_alerts_key")),
    )
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_alerts_detector"), ["detector"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_alerts_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_alerts_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index("ix_audit_alerts_state_severity", ["state", "severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_alerts_tender_id"), ["tender_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_alerts_venue_id"), ["venue_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_alerts_venue_id"))
        batch_op.drop_index(batch_op.f("ix_audit_alerts_tender_id"))
        batch_op.drop_index("ix_audit_alerts_state_severity")
        batch_op.drop_index(batch_op.f("ix_audit_alerts_session_id"))
        batch_op.drop_index(batch_op.f("ix_audit_alerts_raised_at"))
        batch_op.drop_index(batch_op.f("ix_audit_alerts_detector"))

    op.drop_table("audit_alerts")
    with op.batch_alter_table("audit_event_index", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_index_tender")
        batch_op.drop_index("ix_audit_event_index_session")

    op.drop_table("audit_event_index")
    op.drop_table("audit_detector_cursor")
