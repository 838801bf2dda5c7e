"""A complaint and the supervisor's handling of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.db import Base
from trading.tenders.models import Tender


class Complaint(Base):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(20))  # rules.SUBJECTS
    body: Mapped[str] = mapped_column(Text)
    known_on: Mapped[date]  # when the complainant knew of the matter (the time runs from it)
    filed_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), index=True)  # rules.ComplaintState
    acceptance_due_at: Mapped[datetime]  # 3 working days (Regs Art 61)
    accepted_at: Mapped[datetime | None]
    decision_due_at: Mapped[datetime | None]  # 30 working days from the acceptance
    suspends: Mapped[bool] = mapped_column(default=False)  # the tender waits for its decision
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(Text)  # the reasons of a refusal or decision
    decided_at: Mapped[datetime | None]
    overdue_reported: Mapped[str | None] = mapped_column(String(20))  # acceptance | decision
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)

    tender: Mapped[Tender] = relationship(lazy="joined")
