"""Electronic guarantees (电子保函), their issuers and claims; cash deposits and basic accounts."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.accounts.models import Organisation
from bidhall.db import Base
from trading.tenders.models import Tender, _enum

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
    # the release signed to the issuer (notices.release_notice, bidhall-guarantee-release/1)
    release_notice: Mapped[str | None] = mapped_column(Text)

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
    # the claim signed to the issuer (notices.claim_notice, bidhall-guarantee-claim/1)
    notice: Mapped[str | None] = mapped_column(Text)

    guarantee: Mapped[Guarantee] = relationship(back_populates="claims")


class DepositState(enum.StrEnum):
    HELD = "held"  # received by the platform
    REFUNDED = "refunded"  # paid back with its interest
    FORFEITED = "forfeited"  # kept by the tenderer for a claim trigger (不予退还, Regs Art 74)


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
    # kept by the tenderer instead (the claim triggers of DOMAIN.md §3): why, when, by whom
    forfeit_trigger: Mapped[str | None] = mapped_column(String(40))
    forfeit_reason: Mapped[str | None] = mapped_column(Text)
    forfeited_at: Mapped[datetime | None]
    forfeited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    tender: Mapped[Tender] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
