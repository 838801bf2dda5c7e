"""Evaluation venues (主场/副场), the experts' recusal declarations and their attendance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


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
