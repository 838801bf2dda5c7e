"""One award per evaluated lot: the report's candidates, their publicity, the decision and the
contract; and the objections to the result raised during the publicity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.db import Base
from trading.tenders.models import Tender


class Award(Base):
    """A lot's way from the committee's report to its contract. ``candidates`` is what the
    report ranked, frozen when it arrived: ``[{"rank", "bid_id", "organisation_id", "bidder",
    "price", "evaluated_price", "score"}]`` (amounts as decimal strings)."""

    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("tender_id", "lot_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), index=True)  # rules.AwardState
    method: Mapped[str] = mapped_column(String(30))  # rules.METHODS
    report_sha256: Mapped[str] = mapped_column(String(64))
    report_received_at: Mapped[datetime]
    candidates: Mapped[list] = mapped_column(JSON)
    publish_due_at: Mapped[datetime]  # the candidates are public by then (Regs Art 54)
    publicity_start: Mapped[datetime | None]
    publicity_end: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(20))  # manager | platform
    winner_bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id"))
    winner_rank: Mapped[int | None]
    award_amount: Mapped[Decimal | None]
    decision_reason: Mapped[str | None] = mapped_column(String(40))  # rules.BYPASS_REASONS
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # how the method reached the winner: the committee's ballots and tally, the prices
    # compared, or the lottery's order
    decision_detail: Mapped[dict | None] = mapped_column(JSON)
    # the lottery (评定分离 by lot): the seed's hash is public from the commit, the seed from the
    # draw; anyone then recomputes the order (rules.lottery_order)
    lottery_seed_sha256: Mapped[str | None] = mapped_column(String(64))
    lottery_seed: Mapped[str | None] = mapped_column(String(64))  # hex; secret until drawn
    lottery_committed_at: Mapped[datetime | None]
    contract_due_at: Mapped[datetime | None]  # 30 days from the award notice (Law Art 46)
    contract_overdue_reported: Mapped[bool] = mapped_column(default=False)
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)

    tender: Mapped[Tender] = relationship(lazy="joined")
    contract: Mapped[Contract | None] = relationship(back_populates="award", lazy="selectin")


class AwardObjection(Base):
    """异议 to the result, raised by a bidder during the publicity; the tenderer answers within 3
    days and the award waits until every objection is answered (Regs Art 54)."""

    __tablename__ = "award_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    answer_due_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overdue_reported: Mapped[bool] = mapped_column(default=False)


class Contract(Base):
    """The signed contract as the tenderer records it: its signature starts the refunds."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), unique=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_number: Mapped[int]
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount: Mapped[Decimal]
    performance_security: Mapped[Decimal]
    signed_on: Mapped[date]
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    award: Mapped[Award] = relationship(back_populates="contract")
