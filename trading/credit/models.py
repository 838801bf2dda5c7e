"""A supervisor's credit decision on an organisation or an expert, and its revocation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


class CreditDecision(Base):
    """A deduction of points (量化记分), a black listing (失信) or a red listing, in force from
    ``valid_from`` (inclusive) to ``valid_until`` (exclusive) unless revoked.

    The subject is an organisation (``organisations.id``) or an expert (``experts.id``, in
    evaluation, which trading may not import): its kind and id, and its name as it was when the
    decision was made, which the public lists show."""

    __tablename__ = "credit_decisions"
    __table_args__ = (Index("ix_credit_decisions_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(20))  # rules.SUBJECT_KINDS
    subject_id: Mapped[int]
    subject_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # rules.KINDS
    points: Mapped[int | None]  # a deduction's, 1..100
    reason: Mapped[str] = mapped_column(Text)
    basis_kind: Mapped[str] = mapped_column(String(20))  # rules.BASIS_KINDS
    basis_id: Mapped[int | None]  # the alert's or complaint's id
    basis_ref: Mapped[str | None] = mapped_column(String(200))  # e.g. a document's number
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
