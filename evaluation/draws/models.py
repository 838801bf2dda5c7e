"""Expert draws: the committee's places and the draw rounds with their commitments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.db import Base
from evaluation.experts.models import Expert


class ExpertDraw(Base):
    """A committee drawn for a tender: the commitment, the frozen list and (after publication)
    the revealed seed."""

    __tablename__ = "expert_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    tenderer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20))  # committed | drawn | published
    specialties: Mapped[list] = mapped_column(JSON)
    members: Mapped[int]  # the whole committee: drawn experts and tenderer's representatives
    representatives: Mapped[int] = mapped_column(default=0)  # tenderer's representatives
    quotas: Mapped[dict] = mapped_column(JSON)  # region -> members
    reserves: Mapped[dict] = mapped_column(JSON)  # region -> reserves
    # quotas per venue: [{"venue_id", "role", "quota", "reserves"}]; None: per region only
    venues: Mapped[list | None] = mapped_column(JSON)
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    # minutes an invited expert (member, called reserve, supplementary) has to answer
    answer_minutes: Mapped[int] = mapped_column(default=120)
    seed_sha256: Mapped[str] = mapped_column(String(64))  # the commitment, public at once
    seed_hex: Mapped[str] = mapped_column(String(64))  # secret until the result is published
    frozen: Mapped[dict] = mapped_column(JSON)  # the candidate list, see docs/draw.md
    list_sha256: Mapped[str] = mapped_column(String(64))
    # the platform-signed bidhall-draw-commitment/1 (canonical JSON), made in the commit's unit;
    # None for draws committed before revision 0010
    commitment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    drawn_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    places: Mapped[list[DrawPlace]] = relationship(
        order_by="(DrawPlace.region, DrawPlace.position)", lazy="selectin"
    )


class PlaceStatus:
    INVITED = "invited"  # a member asked to confirm
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"  # no answer inside the window
    RESERVE = "reserve"  # not called (yet)
    RECUSED = "recused"  # accepted, then declared a conflict of interest at check-in
    REPLACED = "replaced"  # replaced during the evaluation: its conclusions void (Regs Art 48)
    OPEN = (INVITED, ACCEPTED)  # holding a seat
    # left a seat (filled again unless replaced_by)
    VACATED = (DECLINED, TIMED_OUT, RECUSED, REPLACED)


class DrawPlace(Base):
    """One drawn expert: a member (``position`` < quota) or a reserve, in draw order per region."""

    __tablename__ = "expert_draw_places"
    __table_args__ = (
        UniqueConstraint("draw_id", "expert_id"),
        Index("ix_expert_draw_places_due", "status", "answer_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draws.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    region: Mapped[str] = mapped_column(String(12))
    position: Mapped[int]  # 0-based rank in the region's draw order (its round's)
    status: Mapped[str] = mapped_column(String(20))
    invited_at: Mapped[datetime | None]
    answer_due_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)  # the expert's, when it declines
    round: Mapped[int] = mapped_column(default=0)  # 0: the draw; n: its n-th supplementary round
    # where the seat is (draws with venues): a reserve or a supplementary member takes the
    # venue and workstation of the seat it fills
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), index=True)
    workstation: Mapped[int | None]
    # the place that took this seat after it was vacated (declined, timed out, recused)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("expert_draw_places.id"))

    expert: Mapped[Expert] = relationship(lazy="joined")


class DrawRound(Base):
    """A supplementary round (补充抽取): when a region's reserves run out, its empty seats are
    filled by a new commit/reveal draw among the region's remaining eligible experts."""

    __tablename__ = "expert_draw_rounds"
    __table_args__ = (UniqueConstraint("draw_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draws.id"), index=True)
    number: Mapped[int]  # 1, 2, ... per draw
    region: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(20))  # committed | drawn | short
    seed_sha256: Mapped[str] = mapped_column(String(64))
    seed_hex: Mapped[str] = mapped_column(String(64))  # revealed with the draw's result
    frozen: Mapped[dict] = mapped_column(JSON)
    list_sha256: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str | None] = mapped_column(Text)  # signed when the round commits
    members: Mapped[list] = mapped_column(JSON)  # the expert ids drawn, one per seat
    created_at: Mapped[datetime]
    drawn_at: Mapped[datetime | None]
