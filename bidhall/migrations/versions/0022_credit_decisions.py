"""credit decisions

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:57:14.424757
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis_kind", sa.String(length=20), nullable=False),
        sa.Column("basis_id", sa.Integer(), nullable=True),
        sa.Column("basis_ref", sa.String(length=200), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_from", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_credit_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_credit_decisions_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_decisions")),
    )
    with op.batch_alter_table("credit_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_decisions_kind"), ["kind"], unique=False)
        batch_op.create_index(
            "ix_credit_decisions_subject", ["subject_kind", "subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_decisions_valid_until"), ["valid_until"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_decisions_valid_until"))
        batch_op.drop_index("ix_credit_decisions_subject")
        batch_op.drop_index(batch_op.f("ix_credit_decisions_kind"))

    op.drop_table("credit_decisions")
