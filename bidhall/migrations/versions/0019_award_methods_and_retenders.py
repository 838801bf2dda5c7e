"""award methods and re-tenders

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 12:22:03.569947
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_detail", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("lottery_seed_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lottery_seed", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("lottery_committed_at", bidhall.db.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "award_method",
                sa.String(length=30),
                server_default="first_candidate",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("retender_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retender_lots", sa.JSON(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_tenders_retender_of_id"), ["retender_of_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tenders_retender_of_id_tenders"), "tenders", ["retender_of_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tenders_retender_of_id_tenders"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_tenders_retender_of_id"))
        batch_op.drop_column("retender_lots")
        batch_op.drop_column("retender_of_id")
        batch_op.drop_column("award_method")

    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_column("lottery_committed_at")
        batch_op.drop_column("lottery_seed")
        batch_op.drop_column("lottery_seed_sha256")
        batch_op.drop_column("decision_detail")
