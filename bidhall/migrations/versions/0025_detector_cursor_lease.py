"""the detectors' cursor leased while worker processes screen a long backlog of the ledger

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_detector_cursor", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("leased_until", bidhall.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_detector_cursor", schema=None) as batch_op:
        batch_op.drop_column("leased_until")
