"""evaluation sessions and their report signatures; venue presence telemetry

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 15:07:07.553979
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bidhall.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "venue_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("active_venue_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("revoked_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_venue_devices_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue_devices")),
        sa.UniqueConstraint("active_venue_id", name=op.f("uq_venue_devices_active_venue_id")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_venue_devices_token_sha256")),
    )
    with op.batch_alter_table("venue_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_venue_devices_venue_id"), ["venue_id"], unique=False)

    op.create_table(
        "evaluation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("ends_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("extended_minutes", sa.Integer(), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("price_formula", sa.JSON(), nullable=False),
        sa.Column("bid_ids", sa.JSON(), nullable=False),
        sa.Column("passed_bid_ids", sa.JSON(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("report_sha256", sa.String(length=64), nullable=True),
        sa.Column("report_due_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("report_pdf_key", sa.String(length=255), nullable=True),
        sa.Column("report_pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_evaluation_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["expert_draws.id"],
            name=op.f("fk_evaluation_sessions_draw_id_expert_draws"),
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_evaluation_sessions_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_sessions")),
        sa.UniqueConstraint("draw_id", name=op.f("uq_evaluation_sessions_draw_id")),
        sa.UniqueConstraint("tender_id", name=op.f("uq_evaluation_sessions_tender_id")),
    )
    with op.batch_alter_table("evaluation_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_sessions_report_due_at"), ["report_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evaluation_sessions_state"), ["state"], unique=False)

    op.create_table(
        "evaluation_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cmd_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), server_default="", nullable=False),
        sa.Column("at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_commands_session_id_evaluation_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_commands_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_commands")),
        sa.UniqueConstraint(
            "user_id", "session_id", "name", "cmd_id", name=op.f("uq_evaluation_commands_user_id")
        ),
    )
    with op.batch_alter_table("evaluation_commands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_commands_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "evaluation_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("representative", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("workstation", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("replaced_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replaced_reason", sa.Text(), nullable=True),
        sa.Column("time_insufficient", sa.Boolean(), nullable=False),
        sa.Column("dissent", sa.Text(), nullable=True),
        sa.Column("seated_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_joined_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_evaluation_members_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["expert_draw_places.id"],
            name=op.f("fk_evaluation_members_place_id_expert_draw_places"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["evaluation_members.id"],
            name=op.f("fk_evaluation_members_replaces_id_evaluation_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_members_session_id_evaluation_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_members_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_evaluation_members_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_members")),
        sa.UniqueConstraint(
            "session_id", "place_id", name=op.f("uq_evaluation_members_session_id")
        ),
    )
    with op.batch_alter_table("evaluation_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_members_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evaluation_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "evaluation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_messages_session_id_evaluation_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_messages")),
        sa.UniqueConstraint("session_id", "seq", name=op.f("uq_evaluation_messages_session_id")),
    )
    op.create_table(
        "presence_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("workstation", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("segment_sha256", sa.String(length=64), nullable=False),
        sa.Column("segment_from", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("segment_to", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["venue_devices.id"],
            name=op.f("fk_presence_events_device_id_venue_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_presence_events_session_id_evaluation_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_presence_events_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_events")),
        sa.UniqueConstraint(
            "venue_id",
            "workstation",
            "kind",
            "started_at",
            name=op.f("uq_presence_events_venue_id"),
        ),
    )
    with op.batch_alter_table("presence_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presence_events_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_presence_events_venue_id"), ["venue_id"], unique=False)

    op.create_table(
        "workstation_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("workstation", sa.Integer(), nullable=False),
        sa.Column("last_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("offline_since", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offline_session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["offline_session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_workstation_heartbeats_offline_session_id_evaluation_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_workstation_heartbeats_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workstation_heartbeats")),
        sa.UniqueConstraint(
            "venue_id", "workstation", name=op.f("uq_workstation_heartbeats_venue_id")
        ),
    )
    op.create_table(
        "evaluation_clarifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_evaluation_clarifications_answered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"],
            ["evaluation_members.id"],
            name=op.f("fk_evaluation_clarifications_asked_by_id_evaluation_members"),
        ),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_evaluation_clarifications_bid_id_bids")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_evaluation_clarifications_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_clarifications_session_id_evaluation_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_clarifications")),
        sa.UniqueConstraint(
            "session_id", "number", name=op.f("uq_evaluation_clarifications_session_id")
        ),
    )
    with op.batch_alter_table("evaluation_clarifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_clarifications_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_evaluation_clarifications_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "evaluation_report_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["evaluation_members.id"],
            name=op.f("fk_evaluation_report_signatures_member_id_evaluation_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_report_signatures_session_id_evaluation_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_report_signatures")),
        sa.UniqueConstraint(
            "session_id", "seat", name=op.f("uq_evaluation_report_signatures_session_id")
        ),
    )
    with op.batch_alter_table("evaluation_report_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_report_signatures_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "evaluation_review_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("requirement", sa.String(length=40), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("veto_reason", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_evaluation_review_marks_bid_id_bids")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["evaluation_members.id"],
            name=op.f("fk_evaluation_review_marks_member_id_evaluation_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_review_marks_session_id_evaluation_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_review_marks")),
        sa.UniqueConstraint(
            "member_id", "bid_id", "requirement", name=op.f("uq_evaluation_review_marks_member_id")
        ),
    )
    with op.batch_alter_table("evaluation_review_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_review_marks_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evaluation_review_marks_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "evaluation_score_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("reopened", sa.JSON(), nullable=False),
        sa.Column("started_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["evaluation_members.id"],
            name=op.f("fk_evaluation_score_sheets_member_id_evaluation_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_score_sheets_session_id_evaluation_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_score_sheets")),
        sa.UniqueConstraint("member_id", name=op.f("uq_evaluation_score_sheets_member_id")),
    )
    with op.batch_alter_table("evaluation_score_sheets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_score_sheets_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "evaluation_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("matter", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", bidhall.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=20), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["evaluation_members.id"],
            name=op.f("fk_evaluation_votes_opened_by_id_evaluation_members"),
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["evaluation_votes.id"],
            name=op.f("fk_evaluation_votes_previous_id_evaluation_votes"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_votes_session_id_evaluation_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_votes")),
        sa.UniqueConstraint("session_id", "number", name=op.f("uq_evaluation_votes_session_id")),
    )
    with op.batch_alter_table("evaluation_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_votes_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "evaluation_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=60), nullable=False),
        sa.Column("at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["evaluation_members.id"],
            name=op.f("fk_evaluation_ballots_member_id_evaluation_members"),
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["evaluation_votes.id"],
            name=op.f("fk_evaluation_ballots_vote_id_evaluation_votes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_ballots")),
        sa.UniqueConstraint("vote_id", "member_id", name=op.f("uq_evaluation_ballots_vote_id")),
    )
    with op.batch_alter_table("evaluation_ballots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_ballots_vote_id"), ["vote_id"], unique=False
        )

    op.create_table(
        "evaluation_price_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("original", sa.String(length=30), nullable=False),
        sa.Column("corrected", sa.String(length=30), nullable=False),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("proposed_at", bidhall.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_evaluation_price_corrections_bid_id_bids")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["evaluation_sessions.id"],
            name=op.f("fk_evaluation_price_corrections_session_id_evaluation_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["evaluation_votes.id"],
            name=op.f("fk_evaluation_price_corrections_vote_id_evaluation_votes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_price_corrections")),
    )
    with op.batch_alter_table("evaluation_price_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_price_corrections_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluation_price_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_price_corrections_session_id"))

    op.drop_table("evaluation_price_corrections")
    with op.batch_alter_table("evaluation_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_ballots_vote_id"))

    op.drop_table("evaluation_ballots")
    with op.batch_alter_table("evaluation_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_votes_session_id"))

    op.drop_table("evaluation_votes")
    with op.batch_alter_table("evaluation_score_sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_score_sheets_session_id"))

    op.drop_table("evaluation_score_sheets")
    with op.batch_alter_table("evaluation_review_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_review_marks_session_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_review_marks_member_id"))

    op.drop_table("evaluation_review_marks")
    with op.batch_alter_table("evaluation_report_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_report_signatures_session_id"))

    op.drop_table("evaluation_report_signatures")
    with op.batch_alter_table("evaluation_clarifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_clarifications_session_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_clarifications_organisation_id"))

    op.drop_table("evaluation_clarifications")
    op.drop_table("workstation_heartbeats")
    with op.batch_alter_table("presence_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presence_events_venue_id"))
        batch_op.drop_index(batch_op.f("ix_presence_events_session_id"))

    op.drop_table("presence_events")
    op.drop_table("evaluation_messages")
    with op.batch_alter_table("evaluation_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_members_session_id"))

    op.drop_table("evaluation_members")
    with op.batch_alter_table("evaluation_commands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_commands_session_id"))

    op.drop_table("evaluation_commands")
    with op.batch_alter_table("evaluation_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_sessions_state"))
        batch_op.drop_index(batch_op.f("ix_evaluation_sessions_report_due_at"))

    op.drop_table("evaluation_sessions")
    with op.batch_alter_table("venue_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_venue_devices_venue_id"))

    op.drop_table("venue_devices")
