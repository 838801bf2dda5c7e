"""The live evaluation session (远程异地评标): the committee's seats in it, its numbered messages
and idempotent commands, review marks, votes and their ballots, and the members' score sheets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base
from bidhall.realtime.tables import CommandRow, MessageRow


class EvaluationSession(Base):
    """One tender's evaluation by its drawn committee: its state and stage, its time plan (the
    draw's scheduled start and the planned duration, with extensions), the rules it applies
    (the tender's criteria and price formula, the review's requirements, frozen at creation)
    and the gap-free sequence of its messages."""

    __tablename__ = "evaluation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), unique=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draws.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # rules.SessionState
    stage: Mapped[str] = mapped_column(String(20))  # rules.Stage
    scheduled_at: Mapped[datetime]
    planned_minutes: Mapped[int]
    ends_at: Mapped[datetime]  # scheduled start + planned duration + extensions
    extended_minutes: Mapped[int] = mapped_column(default=0)
    requirements: Mapped[list] = mapped_column(JSON)  # [{"id", "stage", "text"}]
    criteria: Mapped[list] = mapped_column(JSON)  # the tender's, see trading.tenders.rules
    method: Mapped[str] = mapped_column(String(30))
    price_formula: Mapped[dict] = mapped_column(JSON)
    bid_ids: Mapped[list] = mapped_column(JSON)  # the opened bids, in the opening's read order
    passed_bid_ids: Mapped[list | None] = mapped_column(JSON)  # fixed when the review closes
    results: Mapped[dict | None] = mapped_column(JSON)  # the server's results, once all scored
    last_seq: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)  # of the suspension or termination
    # the report (evaluation.reports): its canonical document once the leader finalizes it, the
    # time by which every member signs, and the platform-sealed PDF once all have
    report: Mapped[str | None] = mapped_column(Text)
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    report_due_at: Mapped[datetime | None] = mapped_column(index=True)
    report_pdf_key: Mapped[str | None] = mapped_column(String(255))
    report_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class SessionMember(Base):
    """A member's seat in the session: a drawn expert (its draw place) seated at a venue's
    workstation, or one of the tenderer's representatives. A replaced member stays, inactive,
    with its conclusions voided; its replacement takes its seat number."""

    __tablename__ = "evaluation_members"
    # a seat has one active member; a replacement takes the seat of the member it replaces
    __table_args__ = (UniqueConstraint("session_id", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    seat: Mapped[int]  # 1..n: how the committee's messages name a member ("member 3")
    # a drawn expert's draw place; None for a tenderer's representative (招标人代表), whom the
    # tenderer names rather than the draw
    place_id: Mapped[int | None] = mapped_column(ForeignKey("expert_draw_places.id"))
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"))
    representative: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"))
    workstation: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    leader: Mapped[bool] = mapped_column(default=False)  # elected by the members' vote
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_members.id"))
    replaced_at: Mapped[datetime | None]
    replaced_reason: Mapped[str | None] = mapped_column(Text)
    time_insufficient: Mapped[bool] = mapped_column(default=False)
    dissent: Mapped[str | None] = mapped_column(Text)  # for the report, before it is finalized
    seated_at: Mapped[datetime]
    first_joined_at: Mapped[datetime | None]


class SessionMessage(MessageRow, Base):
    """One broadcast in a session's room, persisted before it is sent; gap-free ``seq``."""

    __tablename__ = "evaluation_messages"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"))


class SessionCommand(CommandRow, Base):
    """A member's or supervisor's command applied once per client-made id."""

    __tablename__ = "evaluation_commands"
    __table_args__ = (UniqueConstraint("user_id", "session_id", "name", "cmd_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ReviewMark(Base):
    """A member's pass or fail on one requirement of one bid, with its reason; a fail may be a
    veto (否决) for one of the listed reasons (Regs Art 51)."""

    __tablename__ = "evaluation_review_marks"
    __table_args__ = (UniqueConstraint("member_id", "bid_id", "requirement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_members.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"))
    requirement: Mapped[str] = mapped_column(String(40))
    passed: Mapped[bool]
    veto_reason: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
    voided: Mapped[bool] = mapped_column(default=False)


class Vote(Base):
    """A vote (表决) on a matter, opened by the leader (or by the session itself for the leader's
    election); closed by the server when every present member has voted, or by the leader."""

    __tablename__ = "evaluation_votes"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    number: Mapped[int]  # 1, 2, ... per session
    matter: Mapped[str] = mapped_column(String(30))  # rules.Matter
    subject: Mapped[dict] = mapped_column(JSON)  # e.g. {"bid_id": 7, "requirement": "q1"}
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_members.id"))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(20))  # all_voted | leader
    result: Mapped[dict | None] = mapped_column(JSON)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_votes.id"))
    voided: Mapped[bool] = mapped_column(default=False)


class Ballot(Base):
    """One member's vote."""

    __tablename__ = "evaluation_ballots"
    __table_args__ = (UniqueConstraint("vote_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("evaluation_votes.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_members.id"))
    choice: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime]


class ScoreSheet(Base):
    """A member's scores for every passing bid: a private draft until submitted; after that only
    the items the leader reopens may change."""

    __tablename__ = "evaluation_score_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_members.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20))  # draft | submitted | reopened
    scores: Mapped[dict] = mapped_column(JSON)  # bid id -> criterion -> decimal string
    reasons: Mapped[dict] = mapped_column(JSON)  # "bid_id/criterion" -> the written reason
    reopened: Mapped[list] = mapped_column(JSON, default=list)  # ["bid_id/criterion", ...]
    started_at: Mapped[datetime]  # the first draft saved
    submitted_at: Mapped[datetime | None]
    submissions: Mapped[int] = mapped_column(default=0)


class ReportSignature(Base):
    """A member's signature of the report's hash with its own certificate (with its dissent, if
    it wrote one), or the record that it did not sign in time without reasons (agreement)."""

    __tablename__ = "evaluation_report_signatures"
    __table_args__ = (UniqueConstraint("session_id", "seat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_members.id"))
    seat: Mapped[int]
    entry: Mapped[dict] = mapped_column(JSON)  # evaluation.reports.document's signature entry
    refused: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime]


class Clarification(Base):
    """A written question from the committee to one bidder (Regs Art 52) and its answer; the
    bidder never learns who asked."""

    __tablename__ = "evaluation_clarifications"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    number: Mapped[int]  # 1, 2, ... per session
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("evaluation_members.id"))
    asked_at: Mapped[datetime]
    due_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PriceCorrection(Base):
    """An arithmetic correction of a bid's price (words over figures; unit price over total),
    proposed by the leader from the bid's documents and put to the committee's vote; once
    confirmed its price is the bid's evaluated price."""

    __tablename__ = "evaluation_price_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"))
    original: Mapped[str] = mapped_column(String(30))  # decimal strings
    corrected: Mapped[str] = mapped_column(String(30))
    words: Mapped[str | None] = mapped_column(Text)
    lines: Mapped[list] = mapped_column(JSON)  # the bid's lines as entered, and as corrected
    steps: Mapped[list] = mapped_column(JSON)
    vote_id: Mapped[int] = mapped_column(ForeignKey("evaluation_votes.id"))
    state: Mapped[str] = mapped_column(String(20))  # proposed | confirmed | rejected
    proposed_at: Mapped[datetime]
