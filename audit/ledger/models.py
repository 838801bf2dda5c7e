from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


class LedgerEntry(Base):
    """One domain event in the global hash chain. Rows are only ever appended."""

    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly the bytes that were hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerCheckpoint(Base):
    """The platform's signature over the chain head at a moment: periodically and at every key
    moment (publication, deadline, termination). Someone able to rewrite the whole chain in the
    database still cannot forge these without the platform's key, so a recomputed chain shows."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(80))
    signature: Mapped[str] = mapped_column(Text)  # base64 Ed25519 over the canonical statement
    certificate_pem: Mapped[str] = mapped_column(Text)  # the platform certificate that signed


class IndexedEvent(Base):
    """A ledger entry's subject: the tender and the evaluation session it is about (both null for
    an entry about neither). Written with the entry, in its transaction (audit.ledger.index), so
    that a subject's entries are found without scanning the chain: by playback, and by the
    detectors for their subjects' histories."""

    __tablename__ = "audit_event_index"
    __table_args__ = (
        Index("ix_audit_event_index_session", "session_id", "type"),
        Index("ix_audit_event_index_tender", "tender_id", "type"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(80))
    tender_id: Mapped[int | None]
    session_id: Mapped[int | None]
