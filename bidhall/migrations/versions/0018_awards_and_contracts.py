"""awards, objections to the result and contracts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 11:46:51.939950
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("report_received_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("publish_due_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("publicity_start", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("publicity_end", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=20), nullable=True),
        sa.Column("winner_bid_id", sa.Integer(), nullable=True),
        sa.Column("winner_rank", sa.Integer(), nullable=True),
        sa.Column("award_amount", bidhall.db.Money(), nullable=True),
        sa.Column("decision_reason", sa.String(length=40), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("contract_due_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contract_overdue_reported", sa.Boolean(), nullable=False),
        sa.Column("next_check_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_awards_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_awards_tender_id_tenders")
        ),
        sa.ForeignKeyConstraint(
            ["winner_bid_id"], ["bids.id"], name=op.f("fk_awards_winner_bid_id_bids")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
        sa.UniqueConstraint("tender_id", "lot_number", name=op.f("uq_awards_tender_id")),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_awards_next_check_at"), ["next_check_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_awards_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "award_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("raised_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_due_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("overdue_reported", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_award_objections_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_award_objections_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_award_objections_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_award_objections_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_objections")),
    )
    with op.batch_alter_table("award_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_award_objections_award_id"), ["award_id"], unique=False
        )

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("amount", bidhall.db.Money(), nullable=False),
        sa.Column("performance_security", bidhall.db.Money(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_contracts_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_contracts_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["organisations.id"],
            name=op.f("fk_contracts_supplier_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_contracts_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("award_id", name=op.f("uq_contracts_award_id")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_supplier_id"), ["supplier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_tender_id"), ["tender_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_tender_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_supplier_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("award_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_objections_award_id"))

    op.drop_table("award_objections")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awards_tender_id"))
        batch_op.drop_index(batch_op.f("ix_awards_state"))
        batch_op.drop_index(batch_op.f("ix_awards_next_check_at"))

    op.drop_table("awards")
