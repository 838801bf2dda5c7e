"""The opening hall: its phase, its numbered messages, idempotent commands, attendance, objections
and key shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.accounts.models import Organisation
from bidhall.db import Base
from bidhall.realtime.tables import CommandRow, MessageRow


class Opening(Base):
    """The online opening hall of a tender (不见面开标): its phase, its gap-free message sequence
    and, at the end, the signed opening record."""

    __tablename__ = "openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), unique=True)
    phase: Mapped[str] = mapped_column(String(20))  # trading.opening.rules.Phase
    last_seq: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]  # the deadline: submissions locked
    decrypt_deadline: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    read_order: Mapped[list] = mapped_column(JSON, default=list)  # bid ids, fixed at reading
    read_count: Mapped[int] = mapped_column(default=0)
    reading_started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    failed_reason: Mapped[str | None] = mapped_column(Text)
    record: Mapped[str | None] = mapped_column(Text)  # signed record, canonical JSON
    record_sha256: Mapped[str | None] = mapped_column(String(64))


class HallMessage(MessageRow, Base):
    """One broadcast in an opening hall, persisted before it is sent; ``seq`` is gap-free per
    hall so a client that reconnects asks for exactly what it missed."""

    __tablename__ = "hall_messages"
    __table_args__ = (UniqueConstraint("tender_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"))


class HallCommand(CommandRow, Base):
    """A client command applied once: a retry with the same id, in the same hall, for the same
    command and with the same content gets the first result back; the same id with other content
    is refused (``cmd_id_reused``), never answered with another command's result."""

    __tablename__ = "hall_commands"
    __table_args__ = (UniqueConstraint("user_id", "tender_id", "name", "cmd_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class HallAttendance(Base):
    """A sign-in (签到) to the opening hall."""

    __tablename__ = "hall_attendance"
    __table_args__ = (UniqueConstraint("tender_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(20))  # bidder | manager | supervisor
    signed_in_at: Mapped[datetime]


class OpeningObjection(Base):
    """An objection raised in the hall by a bidder and the host's answer, both on the record."""

    __tablename__ = "opening_objections"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    number: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class CustodianShare(Base):
    """A custodian's shares of an excused bid's data keys, handed in through the hall. The
    shares are erased once the keys are reconstructed (the fact of submission stays)."""

    __tablename__ = "custodian_shares"
    __table_args__ = (UniqueConstraint("bid_id", "x"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"), index=True)
    x: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the platform
    submitted_at: Mapped[datetime]
    summary_share: Mapped[str | None] = mapped_column(String(64))  # hex, until used
    documents_share: Mapped[str | None] = mapped_column(String(64))
