"""draws and supplementary rounds keep the platform-signed commitment made when they commit

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # draws committed before this revision have none: signing them now would not prove what
    # was committed then (their hashes stay in the ledger's draw.committed event)
    with op.batch_alter_table("expert_draws", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commitment", sa.Text(), nullable=True))

    with op.batch_alter_table("expert_draw_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commitment", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("expert_draw_rounds", schema=None) as batch_op:
        batch_op.drop_column("commitment")

    with op.batch_alter_table("expert_draws", schema=None) as batch_op:
        batch_op.drop_column("commitment")
