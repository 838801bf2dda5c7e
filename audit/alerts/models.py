"""Alerts raised by the detectors, and the detectors' own bookkeeping: how far along the ledger
they have read (the ledger's index by subject is the ledger's own: audit.ledger.models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


class Alert(Base):
    """One condition a detector found, with its evidence, and what supervisors did about it:
    open -> acknowledged -> resolved (with a note; ``false_positive`` is a resolution)."""

    __tablename__ = "audit_alerts"
    __table_args__ = (Index("ix_audit_alerts_state_severity", "state", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    detector: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # detector + condition
    severity: Mapped[str] = mapped_column(String(10))  # detectors.base.Severity
    state: Mapped[str] = mapped_column(String(20))  # rules.AlertState
    tender_id: Mapped[int | None] = mapped_column(index=True)
    session_id: Mapped[int | None] = mapped_column(index=True)
    venue_id: Mapped[int | None] = mapped_column(index=True)
    subject: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(200))
    # {"seqs": [...], "figures": {...}, "threshold": {...}}: what it rests on
    evidence: Mapped[dict] = mapped_column(JSON)
    seq: Mapped[int | None]  # the ledger entry that raised it (None: the tick)
    raised_at: Mapped[datetime] = mapped_column(index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(20))  # rules.Resolution
    note: Mapped[str | None] = mapped_column(Text)


class DetectorCursor(Base):
    """The last ledger seq the detectors have read (one row): whatever the online pass missed
    (a process that stopped right after a commit) the tick reads from here. While worker
    processes screen a long backlog from it (audit.detectors.shards), it is leased until a
    time: no other pass reads on meanwhile, and a lease left by a process that stopped ends."""

    __tablename__ = "audit_detector_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    leased_until: Mapped[datetime | None]
