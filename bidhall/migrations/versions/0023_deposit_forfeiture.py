"""cash deposits kept by the tenderer for a claim trigger (不予退还); the release and claim
notices signed to a guarantee's issuer

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forfeit_trigger", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("forfeit_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("forfeited_at", bidhall.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("forfeited_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_deposits_forfeited_by_id_users"), "users", ["forfeited_by_id"], ["id"]
        )

    with op.batch_alter_table("guarantees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("release_notice", sa.Text(), nullable=True))
    with op.batch_alter_table("guarantee_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guarantee_claims", schema=None) as batch_op:
        batch_op.drop_column("notice")
    with op.batch_alter_table("guarantees", schema=None) as batch_op:
        batch_op.drop_column("release_notice")
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_deposits_forfeited_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("forfeited_by_id")
        batch_op.drop_column("forfeited_at")
        batch_op.drop_column("forfeit_reason")
        batch_op.drop_column("forfeit_trigger")
