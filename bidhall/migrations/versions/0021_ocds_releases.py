"""the published OCDS releases, keyed by the ledger seq of their change

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bidhall.db import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocds_releases",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ocid", sa.String(length=120), nullable=False),
        sa.Column("release_id", sa.String(length=160), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("date", UTCDateTime(), nullable=False),
        sa.Column("release", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_ocds_releases_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ocds_releases")),
        sa.UniqueConstraint("release_id", name=op.f("uq_ocds_releases_release_id")),
    )
    op.create_index(op.f("ix_ocds_releases_ocid"), "ocds_releases", ["ocid"])
    op.create_index(op.f("ix_ocds_releases_tender_id"), "ocds_releases", ["tender_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ocds_releases_tender_id"), table_name="ocds_releases")
    op.drop_index(op.f("ix_ocds_releases_ocid"), table_name="ocds_releases")
    op.drop_table("ocds_releases")
