"""Sealed bids, their resumable uploads, and the bidders' black list."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidhall.accounts.models import Organisation
from bidhall.db import Base
from trading.tenders.models import Tender, _enum


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
    # where the upload was started from (the origin screens, DOMAIN.md §5 bid.same_origin)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))


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
    # the opening's outcome for this bid (trading.opening.rules.Outcome), set at the deadline
    opening_outcome: Mapped[str | None] = mapped_column(String(20))
    excuse_reason: Mapped[str | None] = mapped_column(Text)  # agency: not the bidder's fault
    excused_at: Mapped[datetime | None]
    excused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # where the bid came from, for the origin screens (DOMAIN.md §5 bid.same_origin, Regs Art
    # 40): the address and User-Agent of the request that completed the upload, and the
    # fingerprint of the sealing tool read from the envelope. Shown to nobody (Law Art 22):
    # only the ledger and the audit read them, at the opening
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400), index=True)
    sealing_tool: Mapped[str | None] = mapped_column(String(64))
    # when the opened documents were read for their marks (BidMark), after the reading out
    documents_marked_at: Mapped[datetime | None]

    tender: Mapped[Tender] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class BidMark(Base):
    """What the origin screens compare between bids, read from a bid's documents on the server
    once they were opened (after the reading out): a file's plaintext SHA-256, or a name an
    office document or PDF carries as its author or company. Normalised (NFKC, casefolded,
    spaces collapsed). Shown to nobody: the audit reads them."""

    __tablename__ = "bid_marks"
    __table_args__ = (Index("ix_bid_marks_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20))  # file | author | company
    value: Mapped[str] = mapped_column(String(200))
