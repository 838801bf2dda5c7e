"""the region of a tender, for the public portal's filter

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f("ix_tenders_region"), ["region"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenders_region"))
        batch_op.drop_column("region")
