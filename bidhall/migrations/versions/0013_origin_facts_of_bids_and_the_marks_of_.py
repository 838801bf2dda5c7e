"""origin facts of bids and the marks of their documents

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:43:22.845231
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bid_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_bid_marks_bid_id_bids")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_bid_marks_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_marks")),
    )
    with op.batch_alter_table("bid_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_marks_bid_id"), ["bid_id"], unique=False)
        batch_op.create_index("ix_bid_marks_kind_value", ["kind", "value"], unique=False)

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_ip", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("sealing_tool", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("documents_marked_at", bidhall.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_bids_user_agent"), ["user_agent"], unique=False)

    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_ip", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_column("user_agent")
        batch_op.drop_column("client_ip")

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bids_user_agent"))
        batch_op.drop_column("documents_marked_at")
        batch_op.drop_column("sealing_tool")
        batch_op.drop_column("user_agent")
        batch_op.drop_column("client_ip")

    with op.batch_alter_table("bid_marks", schema=None) as batch_op:
        batch_op.drop_index("ix_bid_marks_kind_value")
        batch_op.drop_index(batch_op.f("ix_bid_marks_bid_id"))

    op.drop_table("bid_marks")
