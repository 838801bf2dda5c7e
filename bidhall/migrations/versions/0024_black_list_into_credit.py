"""the first black list (blacklistings) becomes credit decisions: one black list, public, with
its validity and revocation (trading/credit)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # each entry kept as a black listing of the organisation, decided by whoever created it,
    # in force over the same period; a lifted one is revoked at its lifting
    op.execute(
        """
        INSERT INTO credit_decisions (
            subject_kind, subject_id, subject_name, kind, points, reason, basis_kind, basis_id,
            basis_ref, decided_by_id, decided_at, valid_from, valid_until, revoked_at,
            revoked_by_id, revoke_reason
        )
        SELECT 'organisation', b.organisation_id, o.name, 'black_list', NULL, b.reason, 'other',
            NULL, 'blacklistings #' || CAST(b.id AS VARCHAR(20)), b.created_by_id, b.since,
            b.since, b.until, b.lifted_at, CASE WHEN b.lifted_at IS NULL THEN NULL
            ELSE b.created_by_id END, CASE WHEN b.lifted_at IS NULL THEN NULL ELSE 'lifted' END
        FROM blacklistings b JOIN organisations o ON o.id = b.organisation_id
        ORDER BY b.id
        """
    )
    with op.batch_alter_table("blacklistings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blacklistings_organisation_id"))
    op.drop_table("blacklistings")


def downgrade() -> None:
    op.create_table(
        "blacklistings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("lifted_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_blacklistings_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_blacklistings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklistings")),
    )
    with op.batch_alter_table("blacklistings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blacklistings_organisation_id"), ["organisation_id"], unique=False
        )
