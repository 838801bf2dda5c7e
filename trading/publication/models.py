"""The published OCDS releases, one row per public change, keyed by its audit-ledger seq."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


class PublishedRelease(Base):
    """An OCDS release as published, kept as its JSON text (a release is a snapshot of its
    moment: it is never rebuilt). ``seq`` is the ledger seq of the event that caused it: it
    is assigned under the ledger's lock, held until the commit, so seq order is commit order
    and the feed's cursor ``after=seq`` never skips nor repeats a release."""

    __tablename__ = "ocds_releases"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ocid: Mapped[str] = mapped_column(String(120), index=True)
    release_id: Mapped[str] = mapped_column(String(160), unique=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    tag: Mapped[str] = mapped_column(String(40))
    date: Mapped[datetime]
    release: Mapped[str] = mapped_column(Text)
