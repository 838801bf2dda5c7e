"""The venues' audio-video devices, their workstations' last heartbeats and the AV events they
reported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


class VenueDevice(Base):
    """The bearer token of one venue's audio-video system (not a user's): only the SHA-256 of
    its secret is kept. A venue has at most one active device token (``active_venue_id`` is the
    venue's id while it is active, NULL once revoked: unique, so the database refuses a second)."""

    __tablename__ = "venue_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    active_venue_id: Mapped[int | None] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(80))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(40))  # the ledger's actor: user:3, system:cli
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(40))


class WorkstationHeartbeat(Base):
    """The last heartbeat of one workstation of a venue (heartbeats are not kept one by one),
    and its outage: ``offline_since`` is set by the tick when none came for the window, and the
    session the outage was posted to, so that it is posted once."""

    __tablename__ = "workstation_heartbeats"
    __table_args__ = (UniqueConstraint("venue_id", "workstation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    workstation: Mapped[int]
    last_at: Mapped[datetime]  # the device's time of its latest heartbeat
    received_at: Mapped[datetime]  # the server's time it came: the window counts from here
    offline_since: Mapped[datetime | None]
    offline_session_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_sessions.id"))


class PresenceEvent(Base):
    """An AV event a venue's device reported for a workstation, with the SHA-256 and time range
    of the recording segment behind it; and where it was posted (the session, the member's seat
    and the message's seq), if a session had a member at that workstation."""

    __tablename__ = "presence_events"
    __table_args__ = (UniqueConstraint("venue_id", "workstation", "kind", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("venue_devices.id"))
    workstation: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))  # rules.EventKind
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    segment_sha256: Mapped[str] = mapped_column(String(64))
    segment_from: Mapped[datetime]
    segment_to: Mapped[datetime]
    received_at: Mapped[datetime]
    session_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_sessions.id"), index=True)
    seat: Mapped[int | None]
    seq: Mapped[int | None]
