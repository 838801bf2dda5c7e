"""venues and workstations, supplementary draw rounds, recusal declarations, attendance (fees)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 13:17:40.435436
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=12), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("workstations", sa.Integer(), nullable=False),
        sa.Column("created_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region"], ["expert_pools.region"], name=op.f("fk_venues_region_expert_pools")
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["users.id"], name=op.f("fk_venues_supervisor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
        sa.UniqueConstraint("code", name=op.f("uq_venues_code")),
    )
    with op.batch_alter_table("venues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_venues_region"), ["region"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_venues_supervisor_id"), ["supervisor_id"], unique=False
        )

    op.create_table(
        "expert_draw_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("seed_sha256", sa.String(length=64), nullable=False),
        sa.Column("seed_hex", sa.String(length=64), nullable=False),
        sa.Column("frozen", sa.JSON(), nullable=False),
        sa.Column("list_sha256", sa.String(length=64), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["expert_draws.id"],
            name=op.f("fk_expert_draw_rounds_draw_id_expert_draws"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_draw_rounds")),
        sa.UniqueConstraint("draw_id", "number", name=op.f("uq_expert_draw_rounds_draw_id")),
    )
    with op.batch_alter_table("expert_draw_rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expert_draw_rounds_draw_id"), ["draw_id"], unique=False
        )

    op.create_table(
        "expert_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("workstation", sa.Integer(), nullable=True),
        sa.Column("identity_confirmed", sa.Boolean(), nullable=False),
        sa.Column("phone_handed_in", sa.Boolean(), nullable=False),
        sa.Column("checked_in_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=False),
        sa.Column("checked_out_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_out_by_id", sa.Integer(), nullable=True),
        sa.Column("bids_reviewed", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checked_in_by_id"],
            ["users.id"],
            name=op.f("fk_expert_attendances_checked_in_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["checked_out_by_id"],
            ["users.id"],
            name=op.f("fk_expert_attendances_checked_out_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["expert_draws.id"],
            name=op.f("fk_expert_attendances_draw_id_expert_draws"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["expert_draw_places.id"],
            name=op.f("fk_expert_attendances_place_id_expert_draw_places"),
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_expert_attendances_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_attendances")),
    )
    with op.batch_alter_table("expert_attendances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expert_attendances_draw_id"), ["draw_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expert_attendances_place_id"), ["place_id"], unique=False
        )

    op.create_table(
        "expert_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("certificate_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("no_conflict", sa.Boolean(), nullable=False),
        sa.Column("signed_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["expert_draws.id"],
            name=op.f("fk_expert_declarations_draw_id_expert_draws"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["expert_draw_places.id"],
            name=op.f("fk_expert_declarations_place_id_expert_draw_places"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_declarations")),
        sa.UniqueConstraint("place_id", name=op.f("uq_expert_declarations_place_id")),
    )
    with op.batch_alter_table("expert_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expert_declarations_draw_id"), ["draw_id"], unique=False
        )

    with op.batch_alter_table("expert_draw_places", schema=None) as batch_op:
        # existing places and draws: round 0, no representatives
        batch_op.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("venue_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("workstation", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaced_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_expert_draw_places_venue_id"), ["venue_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_expert_draw_places_replaced_by_id_expert_draw_places"),
            "expert_draw_places",
            ["replaced_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_expert_draw_places_venue_id_venues"), "venues", ["venue_id"], ["id"]
        )

    with op.batch_alter_table("expert_draws", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("representatives", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("venues", sa.JSON(), nullable=True))
        # existing draws: the EXPERT_ANSWER_MINUTES default they were drawn with
        batch_op.add_column(
            sa.Column("answer_minutes", sa.Integer(), nullable=False, server_default="120")
        )


def downgrade() -> None:
    with op.batch_alter_table("expert_draws", schema=None) as batch_op:
        batch_op.drop_column("answer_minutes")
        batch_op.drop_column("venues")
        batch_op.drop_column("representatives")

    with op.batch_alter_table("expert_draw_places", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_expert_draw_places_venue_id_venues"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_expert_draw_places_replaced_by_id_expert_draw_places"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_expert_draw_places_venue_id"))
        batch_op.drop_column("decline_reason")
        batch_op.drop_column("replaced_by_id")
        batch_op.drop_column("workstation")
        batch_op.drop_column("venue_id")
        batch_op.drop_column("round")

    with op.batch_alter_table("expert_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_declarations_draw_id"))

    op.drop_table("expert_declarations")
    with op.batch_alter_table("expert_attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_attendances_place_id"))
        batch_op.drop_index(batch_op.f("ix_expert_attendances_draw_id"))

    op.drop_table("expert_attendances")
    with op.batch_alter_table("expert_draw_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_draw_rounds_draw_id"))

    op.drop_table("expert_draw_rounds")
    with op.batch_alter_table("venues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_venues_supervisor_id"))
        batch_op.drop_index(batch_op.f("ix_venues_region"))

    op.drop_table("venues")
