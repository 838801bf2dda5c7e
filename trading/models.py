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


class Tender(Base):
    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    rule_set: Mapped[str] = mapped_column(String(30))  # construction | gov_procurement
    category: Mapped[str] = mapped_column(String(20))  # works | goods | services
    method: Mapped[str] = mapped_column(String(30))  # lowest_price | comprehensive
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
    # sealed bids: t of the opening custodians recover a data key when the bidder cannot
    custodian_threshold: Mapped[int] = mapped_column(default=2)
    custodian_fallback: Mapped[bool] = mapped_column(default=True)
    # a bid not decrypted through the bidder's fault is revoked (撤销); the documents say whether
    # its guarantee may then be claimed
    claim_on_revocation: Mapped[bool] = mapped_column(default=True)

    tenderer: Mapped[Organisation] = relationship(foreign_keys=[tenderer_id], lazy="joined")
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


class BidState(enum.StrEnum):
    SEALED = "sealed"  # the bidder's current bid for its lot
    SUPERSEDED = "superseded"  # replaced by a later upload before the deadline (kept)
    WITHDRAWN = "withdrawn"  # withdrawn before the deadline (kept)


class Upload(Base):
    """A resumable upload of a sealed envelope; it becomes a Bid only when complete and valid."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_number: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    size: Mapped[int]  # declared total
    received: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id"))


class Bid(Base):
    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_number: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[BidState] = mapped_column(_enum(BidState), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(255))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    commitment_sha256: Mapped[str] = mapped_column(String(64))  # the signed credit commitment
    received_at: Mapped[datetime]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id"))
    withdrawn_at: Mapped[datetime | None]
    receipt: Mapped[str] = mapped_column(Text, default="")  # the signed receipt, canonical JSON
    ledger_seq: Mapped[int | None]
    # filled at the opening, never before: the summary data key (published with the record) and
    # the decrypted summary
    summary_key: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict | None] = mapped_column(JSON)
    decrypted_at: Mapped[datetime | None]
    # the documents data key, wrapped to the platform's custodian key (never stored in the clear)
    documents_key_wrapped: Mapped[dict | None] = mapped_column(JSON)
    # the opening's outcome for this bid (trading.opening.Outcome), set at the deadline
    opening_outcome: Mapped[str | None] = mapped_column(String(20))
    excuse_reason: Mapped[str | None] = mapped_column(Text)  # agency: not the bidder's fault
    excused_at: Mapped[datetime | None]
    excused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    tender: Mapped[Tender] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Opening(Base):
    """The online opening hall of a tender (不见面开标): its phase, its gap-free message sequence
    and, at the end, the signed opening record."""

    __tablename__ = "openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), unique=True)
    phase: Mapped[str] = mapped_column(String(20))  # trading.opening.Phase
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


class HallMessage(Base):
    """One broadcast in an opening hall, persisted before it is sent; ``seq`` is gap-free per
    hall so a client that reconnects asks for exactly what it missed."""

    __tablename__ = "hall_messages"
    __table_args__ = (UniqueConstraint("tender_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"))
    seq: Mapped[int]
    at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)


class HallCommand(Base):
    """A client command applied once: a retry with the same id, in the same hall, for the same
    command and with the same content gets the first result back; the same id with other content
    is refused (``cmd_id_reused``), never answered with another command's result."""

    __tablename__ = "hall_commands"
    __table_args__ = (UniqueConstraint("user_id", "tender_id", "name", "cmd_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cmd_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the canonical JSON of the command's data without its cmd_id
    request_sha256: Mapped[str] = mapped_column(String(64), server_default="")
    at: Mapped[datetime]
    result: Mapped[dict] = mapped_column(JSON)


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


class Blacklisting(Base):
    """A black-list entry (失信): the organisation may not bid until ``until``."""

    __tablename__ = "blacklistings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]
    until: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]


__all__ = ["Organisation", "User"]


# --- bid guarantees and deposits (DOMAIN.md §3) -------------------------------------------------


class GuaranteeIssuer(Base):
    """The platform's registry of guarantee issuers (担保机构 / 银行 / 保险公司): one entry per
    organisation of kind ``issuer``, kept by the platform administrator."""

    __tablename__ = "guarantee_issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # bank | guarantee_company | insurer
    licence_number: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # active | suspended
    status_reason: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime]
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status_changed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class BasicAccount(Base):
    """A bidder's basic bank account (基本账户): construction deposits must come from it
    (Regs Art 26). One per organisation; the administrator registers and replaces it."""

    __tablename__ = "basic_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    account_number: Mapped[str] = mapped_column(String(40))
    account_name: Mapped[str] = mapped_column(String(200))
    bank: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime]
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class GuaranteeState(enum.StrEnum):
    ACTIVE = "active"  # accepted; backs its bidder's bid for the lot
    SUPERSEDED = "superseded"  # replaced by a later guarantee for the same bidder and lot
    CLAIMED = "claimed"  # the beneficiary claimed it (索赔)
    RELEASED = "released"  # released back to the issuer/bidder


class Guarantee(Base):
    """An electronic bid guarantee (电子保函), as its issuer signed it (``bidhall-guarantee/1``,
    docs/guarantees.md). Bound to one bidder's bid for one lot of one tender."""

    __tablename__ = "guarantees"
    __table_args__ = (UniqueConstraint("issuer_organisation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # bank_guarantee | guarantee_company | ...
    issuer_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    applicant_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    beneficiary_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_number: Mapped[int]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    state: Mapped[GuaranteeState] = mapped_column(_enum(GuaranteeState), index=True)
    document: Mapped[str] = mapped_column(Text)  # the canonical JSON the issuer signed
    document_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)  # base64 Ed25519
    certificate_fingerprint: Mapped[str] = mapped_column(String(64))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime]
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id"), index=True)
    bound_at: Mapped[datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("guarantees.id"))
    # the obligation to release it (Regs Art 31, 35, 57): why, and by when
    release_reason: Mapped[str | None] = mapped_column(String(20))
    release_due_at: Mapped[datetime | None] = mapped_column(index=True)
    release_overdue_reported: Mapped[bool] = mapped_column(default=False)
    released_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    release_note: Mapped[str | None] = mapped_column(Text)

    tender: Mapped[Tender] = relationship(lazy="joined")
    issuer: Mapped[Organisation] = relationship(foreign_keys=[issuer_organisation_id])
    applicant: Mapped[Organisation] = relationship(foreign_keys=[applicant_organisation_id])
    claims: Mapped[list[GuaranteeClaim]] = relationship(
        back_populates="guarantee", order_by="GuaranteeClaim.id", lazy="selectin"
    )


class GuaranteeClaim(Base):
    """A claim (索赔) on a guarantee by the tender's manager, for a DOMAIN.md §3 trigger."""

    __tablename__ = "guarantee_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    guarantee_id: Mapped[int] = mapped_column(ForeignKey("guarantees.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal]
    claimed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime]

    guarantee: Mapped[Guarantee] = relationship(back_populates="claims")


class DepositState(enum.StrEnum):
    HELD = "held"  # received by the platform
    REFUNDED = "refunded"  # paid back with its interest


class Deposit(Base):
    """A cash bid deposit (投标保证金) the platform received for one bidder and lot."""

    __tablename__ = "deposits"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    lot_number: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount: Mapped[Decimal]
    paid_at: Mapped[datetime]
    payer_account: Mapped[str] = mapped_column(String(40))
    payer_account_name: Mapped[str] = mapped_column(String(200))
    payer_bank: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    state: Mapped[DepositState] = mapped_column(_enum(DepositState), index=True)
    # the obligation to refund it (Regs Art 31, 35, 57): why, and by when
    refund_reason: Mapped[str | None] = mapped_column(String(20))
    refund_due_at: Mapped[datetime | None] = mapped_column(index=True)
    refund_overdue_reported: Mapped[bool] = mapped_column(default=False)
    refunded_at: Mapped[datetime | None]
    refunded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refund_bank_reference: Mapped[str | None] = mapped_column(String(100))
    refund_interest: Mapped[Decimal | None]

    tender: Mapped[Tender] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
