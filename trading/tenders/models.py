"""Tenders, their lots, documents, filing, notices, questions and objections; the custodians fixed
at publication."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.accounts.models import Organisation, User
from bidhall.db import Base


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class TenderState(enum.StrEnum):
    DRAFT = "draft"
    FILING = "filing"  # submitted to the supervisor for filing (备案)
    RETURNED = "returned"  # filing returned with reasons; editable again
    FILED = "filed"  # accepted; may be published
    PUBLISHED = "published"  # notice public, documents downloadable, bids accepted
    SUSPENDED = "suspended"  # an objection to the documents awaits its answer (Regs Art 22)
    CLOSED = "closed"  # the bid deadline has passed: submissions locked; the opening runs
    OPENED = "opened"  # the opening record is signed and published
    FAILED = "failed"  # fewer than 3 bids at the opening: re-tender (Regs Art 44)
    TERMINATED = "terminated"  # 终止招标 (Regs Art 31)


# a tender in these states is the tenderer's business alone: to anyone else it does not exist
UNPUBLISHED_STATES = (
    TenderState.DRAFT,
    TenderState.FILING,
    TenderState.RETURNED,
    TenderState.FILED,
)
PUBLIC_STATES = tuple(state for state in TenderState if state not in UNPUBLISHED_STATES)


class Tender(Base):
    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    rule_set: Mapped[str] = mapped_column(String(30))  # construction | gov_procurement
    category: Mapped[str] = mapped_column(String(20))  # works | goods | services
    method: Mapped[str] = mapped_column(String(30))  # lowest_price | comprehensive
    # rules.AWARD_METHODS: the first candidate, or the award committee's method (评定分离)
    award_method: Mapped[str] = mapped_column(
        String(30), default="first_candidate", server_default="first_candidate"
    )
    # where the project lies: an administrative division code of the REGIONS setting
    region: Mapped[str | None] = mapped_column(String(12), index=True)
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    qualification: Mapped[str] = mapped_column(Text, default="")
    tenderer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[TenderState] = mapped_column(_enum(TenderState), index=True)
    bid_validity_days: Mapped[int]
    decrypt_window_minutes: Mapped[int] = mapped_column(default=30)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    issue_start: Mapped[datetime]  # documents first issued (planned until publication)
    issue_end: Mapped[datetime]  # end of the download period
    bid_deadline: Mapped[datetime]  # also the opening time
    created_at: Mapped[datetime]
    filed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    download_closed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    terminated_at: Mapped[datetime | None]
    termination_reason: Mapped[str | None] = mapped_column(Text)
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    # a re-tender (Regs Art 44): the tender whose failed lots it tenders again, and their numbers
    # there (its own lots are renumbered from 1)
    retender_of_id: Mapped[int | None] = mapped_column(ForeignKey("tenders.id"), index=True)
    retender_lots: Mapped[list | None] = mapped_column(JSON)
    # sealed bids: t of the opening custodians recover a data key when the bidder cannot
    custodian_threshold: Mapped[int] = mapped_column(default=2)
    custodian_fallback: Mapped[bool] = mapped_column(default=True)
    # a bid not decrypted through the bidder's fault is revoked (撤销); the documents say whether
    # its guarantee may then be claimed
    claim_on_revocation: Mapped[bool] = mapped_column(default=True)

    tenderer: Mapped[Organisation] = relationship(foreign_keys=[tenderer_id], lazy="joined")
    retender_of: Mapped[Tender | None] = relationship(
        remote_side="Tender.id", foreign_keys=[retender_of_id], lazy="select"
    )
    agency: Mapped[Organisation | None] = relationship(foreign_keys=[agency_id], lazy="joined")
    lots: Mapped[list[Lot]] = relationship(
        back_populates="tender",
        order_by="Lot.number",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    documents: Mapped[list[TenderDocument]] = relationship(
        back_populates="tender", order_by="TenderDocument.id", lazy="selectin"
    )
    notices: Mapped[list[Notice]] = relationship(
        back_populates="tender", order_by="Notice.id", lazy="selectin"
    )
    custodians: Mapped[list[TenderCustodian]] = relationship(
        order_by="TenderCustodian.x", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def ceiling_total(self) -> Decimal:
        return sum((lot.ceiling_price for lot in self.lots), Decimal("0.00"))

    @property
    def was_published(self) -> bool:
        """Whether the public may see it: published once (a tender terminated before its
        publication stays the tenderer's business, though its state is no longer a draft's)."""
        return self.published_at is not None and self.state not in UNPUBLISHED_STATES


class Lot(Base):
    """标段/包: each lot has its own estimate, ceiling price and bid guarantee."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    estimated_price: Mapped[Decimal]
    ceiling_price: Mapped[Decimal]
    guarantee_amount: Mapped[Decimal]

    tender: Mapped[Tender] = relationship(back_populates="lots")


class FilingRecord(Base):
    """One submission for filing (备案) and the supervisor's decision on it."""

    __tablename__ = "filing_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(20))  # accepted | returned
    reason: Mapped[str | None] = mapped_column(Text)

    tender: Mapped[Tender] = relationship(lazy="joined")


class TenderDocument(Base):
    __tablename__ = "tender_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_at: Mapped[datetime]

    tender: Mapped[Tender] = relationship(back_populates="documents")


class Participation(Base):
    """A bidder organisation holds the documents: its first download starts its participation."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("tender_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    first_download_at: Mapped[datetime]


class DocumentDownload(Base):
    __tablename__ = "document_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("tender_documents.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class Question(Base):
    """A holder's question on the documents. Its author is never shown to anyone else."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime]
    answered_by_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))


class Notice(Base):
    """A clarification (澄清) or amendment (修改), published to every holder; or a termination."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # clarification | amendment | termination
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    affects_preparation: Mapped[bool] = mapped_column(default=False)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime]
    deadline_before: Mapped[datetime | None]
    deadline_after: Mapped[datetime | None]  # set when the notice moved the deadline

    tender: Mapped[Tender] = relationship(back_populates="notices")

    @property
    def moved_deadline(self) -> bool:
        return self.deadline_after is not None and self.deadline_after != self.deadline_before


class Objection(Base):
    """异议 to the documents (Regs Art 22): pauses the tender until answered."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    answer_due_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overdue_reported: Mapped[bool] = mapped_column(default=False)

    tender: Mapped[Tender] = relationship(lazy="joined")


class TenderCustodian(Base):
    """An opening custodian of a tender and the encryption certificate its shares are wrapped
    to, fixed when the tender is published (the platform's own custodian has no user)."""

    __tablename__ = "tender_custodians"
    __table_args__ = (UniqueConstraint("tender_id", "x"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    x: Mapped[int]  # the Shamir x-coordinate of its shares
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))  # manager | supervisor | platform
    certificate_fingerprint: Mapped[str] = mapped_column(String(64))
    certificate_pem: Mapped[str] = mapped_column(Text)


__all__ = ["Organisation", "User"]
