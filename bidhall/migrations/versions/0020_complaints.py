"""complaints

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 12:37:23.589762
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("known_on", sa.Date(), nullable=False),
        sa.Column("filed_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("acceptance_due_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_due_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("suspends", sa.Boolean(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("decided_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_reported", sa.String(length=20), nullable=True),
        sa.Column("next_check_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f("fk_complaints_handled_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_complaints_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_complaints_tender_id_tenders")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_complaints_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaints_next_check_at"), ["next_check_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaints_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_tender_id"), ["tender_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_tender_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_state"))
        batch_op.drop_index(batch_op.f("ix_complaints_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_next_check_at"))

    op.drop_table("complaints")
