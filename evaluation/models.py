"""Expert pools, the draws that form evaluation committees, venues, the recusal declarations
and the attendance records that fees are computed from (DOMAIN.md §4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.db import Base


class Pool(Base):
    """One region's (or centre's) pool of experts, named by its code, e.g. "310000"."""

    __tablename__ = "expert_pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class Expert(Base):
    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)  # 居民身份证号
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(ForeignKey("expert_pools.region"), index=True)
    # the expert's employer (not the user's organisation, which is of kind "expert")
    employer: Mapped[str] = mapped_column(String(200))
    employer_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    credit_score: Mapped[int] = mapped_column(default=100)
    penalised_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    specialties: Mapped[list[ExpertSpecialty]] = relationship(
        order_by="ExpertSpecialty.code", lazy="selectin", cascade="all, delete-orphan"
    )


class ExpertSpecialty(Base):
    """A hierarchical specialty code: "A01" (a field) and "A0101" (a branch of it)."""

    __tablename__ = "expert_specialties"
    __table_args__ = (UniqueConstraint("expert_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), index=True)


class ExpertRelation(Base):
    """A declared relation: a relative's, former employer's or shareholding's organisation."""

    __tablename__ = "expert_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # relative | former_employer | shareholding
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_name: Mapped[str | None] = mapped_column(String(120))


class ExpertUnavailability(Base):
    """The expert cannot sit from ``starts_at`` (inclusive) to ``ends_at`` (exclusive)."""

    __tablename__ = "expert_unavailabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class Venue(Base):
    """An evaluation venue of a centre (its region's pool), with its local supervisor and its
    workstations numbered 1..workstations. Whether it is the main venue (主场) or a secondary
    one (副场) depends on the tender: the draw says."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(ForeignKey("expert_pools.region"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    workstations: Mapped[int]
    created_at: Mapped[datetime]


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
    OPEN = (INVITED, ACCEPTED)  # holding a seat
    VACATED = (DECLINED, TIMED_OUT, RECUSED)  # left a seat (filled again unless replaced_by)


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


class RecusalDeclaration(Base):
    """A drawn expert's signed recusal declaration (回避声明) for one draw: the exact document
    (canonical JSON, rules.declaration_document) and its Ed25519 signature."""

    __tablename__ = "expert_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("expert_draw_places.id"), unique=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draws.id"), index=True)
    document: Mapped[str] = mapped_column(Text)  # the signed bytes, UTF-8
    signature: Mapped[str] = mapped_column(String(100))  # base64
    certificate_fingerprint: Mapped[str] = mapped_column(String(64))
    no_conflict: Mapped[bool]
    signed_at: Mapped[datetime]


class Attendance(Base):
    """One stay of a drawn expert at its venue: checked in by the local supervisor (identity
    confirmed, phone handed in, declaration signed) and checked out. Fees are computed from
    these records; the live evaluation session will add its own."""

    __tablename__ = "expert_attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("expert_draw_places.id"), index=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draws.id"), index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"))
    workstation: Mapped[int | None]
    identity_confirmed: Mapped[bool]
    phone_handed_in: Mapped[bool]
    checked_in_at: Mapped[datetime]
    checked_in_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_out_at: Mapped[datetime | None]
    checked_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bids_reviewed: Mapped[int | None]  # told at check-out; else the tender's bid count
