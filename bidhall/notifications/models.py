"""A message for one user: its kind (the text, registered by the domain that sends it), the
values the text names, a link to where to act, when it was read and when it was e-mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_outbox", "email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    # e-mail: "none" (the user has no address, or no SMTP server is configured), "pending",
    # "sent" or "failed" (after mail.MAX_ATTEMPTS refusals)
    email_state: Mapped[str] = mapped_column(String(10), default="none")
    email_attempts: Mapped[int] = mapped_column(default=0)
    emailed_at: Mapped[datetime | None]
