"""The venues' device tokens and their telemetry: heartbeats kept per workstation, AV events
kept and posted into the live evaluation session of the member seated at that workstation.

Everything one venue's device reports is one unit that holds the venue's row lock first, then
the sessions' (``room.load(..., lock=True)``), then the heartbeat rows: the tick (``jobs.py``)
takes them in the same order, so the two never wait for each other in a circle, and a revoke
(which locks the venue too) is seen by the next report."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts import services as accounts
from bidhall.accounts.models import User
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, NotFound, Unauthenticated
from bidhall.events import actor_of, emit
from bidhall.inputs import check_text
from evaluation.experts.services import require_admin
from evaluation.presence import rules
from evaluation.presence.models import PresenceEvent, VenueDevice, WorkstationHeartbeat
from evaluation.sessions import room
from evaluation.sessions.models import EvaluationSession, SessionMember
from evaluation.sessions.rules import SessionState
from evaluation.venues.models import Attendance, Venue

logger = logging.getLogger(__name__)

LIVE = (SessionState.OPEN, SessionState.SUSPENDED)


def offline_window() -> timedelta:
    return timedelta(seconds=int(config.setting("PRESENCE_OFFLINE_SECONDS", 60)))


def clock_skew() -> timedelta:
    return timedelta(seconds=int(config.setting("PRESENCE_CLOCK_SKEW_SECONDS", 30)))


# --- device tokens ------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    # as an API token's (bidhall.accounts.services): only the SHA-256 of the secret is kept
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _venue(session: Session, venue_id: int, *, lock: bool = False) -> Venue:
    venue = fetch_one(session, Venue, venue_id, lock=lock)
    if venue is None:
        raise NotFound(f"no venue {venue_id}", code="venue_not_found")
    return venue


def _active_device(session: Session, venue_id: int) -> VenueDevice | None:
    return session.scalar(select(VenueDevice).where(VenueDevice.active_venue_id == venue_id))


def venue_id_of(code: str) -> int:
    venue_id = db.session.scalar(select(Venue.id).where(Venue.code == (code or "").strip()))
    if venue_id is None:
        raise NotFound(f"no venue {code!r}", code="venue_not_found")
    return venue_id


def issue_device(
    actor: User | str, venue_id: int, name: str = "", *, replace: bool = False
) -> tuple[VenueDevice, str]:
    """Make the bearer token of a venue's audio-video system (admin). The secret is returned
    once and never stored. A venue has one active device token: another is refused unless
    ``replace``, which revokes the active one in the same unit."""
    require_admin(actor)
    secret = rules.DEVICE_SECRET_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with db.transaction() as session:
        venue = _venue(session, venue_id, lock=True)
        active = _active_device(session, venue.id)
        if active is not None:
            if not replace:
                raise Conflict(
                    f"venue {venue.code} has an active device token (issued "
                    f"{active.created_at.isoformat()}): revoke it first, or replace it",
                    code="device_exists",
                )
            _revoke(active, actor, now)
            session.flush()  # the unique active slot is free before the new token takes it
        device = VenueDevice(
            venue_id=venue.id,
            active_venue_id=venue.id,
            name=(name or "").strip()[:80] or f"{venue.code} AV",
            token_sha256=_digest(secret),
            created_at=now,
            created_by=actor_of(actor)[:40],
        )
        session.add(device)
        session.flush()
        emit(
            "venue.device_issued",
            actor,
            venue_id=venue.id,
            device_id=device.id,
            replaced=None if active is None else active.id,
        )
    logger.info("device token %s issued for venue %s", device.id, venue_id)
    return device, secret


def _revoke(device: VenueDevice, actor: User | str, now: datetime) -> None:
    device.revoked_at = now
    device.revoked_by = actor_of(actor)[:40]
    device.active_venue_id = None
    emit("venue.device_revoked", actor, venue_id=device.venue_id, device_id=device.id)


def revoke_device(actor: User | str, venue_id: int) -> VenueDevice:
    """Revoke the venue's active device token (admin): its secret is refused from now on."""
    require_admin(actor)
    with db.transaction() as session:
        venue = _venue(session, venue_id, lock=True)
        device = _active_device(session, venue.id)
        if device is None:
            raise NotFound(
                f"venue {venue.code} has no active device token", code="device_not_found"
            )
        _revoke(device, actor, clock.now())
    return device


def devices(actor: User | str, venue_id: int) -> Sequence[VenueDevice]:
    """The venue's device tokens, newest first (no secrets: only their hashes are kept)."""
    require_admin(actor)
    _venue(db.session, venue_id)
    return list(
        db.session.scalars(
            select(VenueDevice)
            .where(VenueDevice.venue_id == venue_id)
            .order_by(VenueDevice.id.desc())
        )
    )


@dataclass(frozen=True)
class Device:
    """The venue device a telemetry request is authenticated as."""

    id: int
    venue_id: int
    venue_code: str
    workstations: int

    @property
    def actor(self) -> str:
        return rules.device_actor(self.venue_code)


def authenticate_device(authorization: str | None) -> Device:
    """The device whose secret the ``Authorization: Bearer`` header carries. A user's API token
    is refused here (and a device's secret is no user's token anywhere else)."""
    header = authorization or ""
    if not header.startswith("Bearer "):
        raise Unauthenticated(
            "send the venue device's token: Authorization: Bearer <device secret>",
            code="device_token_required",
        )
    secret = check_text(header.removeprefix("Bearer ").strip(), "Authorization")
    device = db.session.scalar(
        select(VenueDevice).where(
            VenueDevice.token_sha256 == _digest(secret), VenueDevice.revoked_at.is_(None)
        )
    )
    if device is None:
        if not secret.startswith(rules.DEVICE_SECRET_PREFIX) and accounts.user_for_token(secret):
            raise Forbidden(
                "a user's API token is not accepted by the telemetry API: it takes a venue "
                "device's token",
                code="user_token_refused",
            )
        raise Unauthenticated("the device token is unknown or revoked", code="invalid_device_token")
    venue = db.session.get(Venue, device.venue_id)
    return Device(device.id, venue.id, venue.code, venue.workstations)


def _still_valid(session: Session, device: Device) -> Venue:
    """Lock the device's venue (the unit's first lock) and check that the token was not revoked
    since the request was authenticated."""
    venue = _venue(session, device.venue_id, lock=True)
    row = fetch_one(session, VenueDevice, device.id)  # read again: not the request's copy
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("the device token is unknown or revoked", code="invalid_device_token")
    return venue


def _say(
    session: Session, evaluation: EvaluationSession, actor: str, kind: str, /, **payload: Any
) -> int:
    """``room.post`` (the caller holds the session's lock), through the log itself: the AV
    event's payload has its own ``kind``, which ``room.post``'s parameter of that name would
    take (it is not positional-only)."""
    return room.MESSAGES.post(session, evaluation, actor, kind, **payload)


# --- who sits where -----------------------------------------------------------------------------


def seated_member(
    session: Session, venue_id: int, workstation: int, *, session_id: int | None = None
) -> SessionMember | None:
    """The active member checked in at this workstation in a live (open or suspended)
    evaluation session; the most recently opened session's if a stale one seats it too."""
    query = (
        select(SessionMember)
        .join(EvaluationSession, EvaluationSession.id == SessionMember.session_id)
        .where(
            SessionMember.venue_id == venue_id,
            SessionMember.workstation == workstation,
            SessionMember.active.is_(True),
            EvaluationSession.state.in_([state.value for state in LIVE]),
        )
        .order_by(EvaluationSession.opened_at.desc(), EvaluationSession.id.desc())
    )
    if session_id is not None:
        query = query.where(SessionMember.session_id == session_id)
    return next((m for m in session.scalars(query) if room.checked_in(session, m)), None)


def _locked_seat(
    session: Session, venue_id: int, workstation: int, session_id: int | None = None
) -> tuple[EvaluationSession, SessionMember] | None:
    """The live session seating someone at the workstation, locked, and its member as seen
    under the lock (the session may have ended, or the member been replaced, meanwhile)."""
    member = seated_member(session, venue_id, workstation, session_id=session_id)
    if member is None:
        return None
    evaluation = room.load(session, member.session_id, lock=True)
    if evaluation.state not in LIVE:
        return None
    member = seated_member(session, venue_id, workstation, session_id=evaluation.id)
    return None if member is None else (evaluation, member)


# --- heartbeats ---------------------------------------------------------------------------------


def check_heartbeats(device: Device, beats: Sequence[tuple[int, datetime]]) -> None:
    """Every heartbeat of a batch names one of the venue's workstations and a time not in the
    future (give or take the skew): one bad heartbeat refuses the batch, naming it."""
    now, skew = clock.now(), clock_skew()
    several = len(beats) > 1
    for index, (workstation, at) in enumerate(beats):
        prefix = f"heartbeats[{index}]." if several else ""
        rules.check_workstation(
            workstation, device.workstations, device.venue_code, f"{prefix}workstation"
        )
        rules.check_reported_time(at, now, skew, f"{prefix}at")


def record_heartbeats(device: Device, beats: Sequence[tuple[int, datetime]]) -> int:
    """Keep the last heartbeat per workstation (none is posted: they would flood the room). A
    workstation whose outage was told to a session is back: ``workstation_online`` is posted
    there. Returns how many workstations were told back online."""
    check_heartbeats(device, beats)
    latest: dict[int, datetime] = {}
    for workstation, at in beats:
        latest[workstation] = max(at, latest.get(workstation, at))
    now = clock.now()
    told = 0
    with db.transaction() as session:
        _still_valid(session, device)
        rows = {
            row.workstation: row
            for row in session.scalars(
                select(WorkstationHeartbeat).where(
                    WorkstationHeartbeat.venue_id == device.venue_id,
                    WorkstationHeartbeat.workstation.in_(sorted(latest)),
                )
            )
        }
        # the sessions to tell, locked before their rows change (the tick's order)
        back = sorted(
            (row for row in rows.values() if row.offline_since is not None),
            key=lambda row: (row.offline_session_id or 0, row.workstation),
        )
        for row in back:
            if row.offline_session_id is not None:
                seat = _locked_seat(
                    session, device.venue_id, row.workstation, row.offline_session_id
                )
                if seat is not None:
                    evaluation, member = seat
                    room.post(
                        session,
                        evaluation,
                        device.actor,
                        "workstation_online",
                        seat=member.seat,
                        venue_id=device.venue_id,
                        workstation=row.workstation,
                        offline_since=_iso(row.offline_since),
                        last_heartbeat_at=_iso(now),
                    )
                    told += 1
            row.offline_since = None
            row.offline_session_id = None
        for workstation, at in sorted(latest.items()):
            row = rows.get(workstation)
            if row is None:
                session.add(
                    WorkstationHeartbeat(
                        venue_id=device.venue_id,
                        workstation=workstation,
                        last_at=at,
                        received_at=now,
                    )
                )
            else:
                row.last_at = max(row.last_at, at)
                row.received_at = now
    return told


# --- AV events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventReport:
    workstation: int
    kind: rules.EventKind
    started_at: datetime
    ended_at: datetime
    segment_sha256: str
    segment_from: datetime
    segment_to: datetime


@dataclass(frozen=True)
class Recorded:
    event_id: int
    posted: bool  # told to a session (a member sits at the workstation)
    replayed: bool  # the same report came before: nothing new was kept or posted


def _same(row: PresenceEvent, report: EventReport) -> bool:
    return (
        row.ended_at == report.ended_at
        and row.segment_sha256 == report.segment_sha256
        and row.segment_from == report.segment_from
        and row.segment_to == report.segment_to
    )


def record_event(device: Device, report: EventReport) -> Recorded:
    """Keep an AV event and, when a live session seats a member at the workstation, post it
    there as ``presence_event`` with the recording segment's hash. A device's retry of the same
    report is answered with the first result; another report for the same workstation, kind
    and start is refused."""
    rules.check_workstation(report.workstation, device.workstations, device.venue_code)
    rules.check_event(
        report.started_at,
        report.ended_at,
        report.segment_from,
        report.segment_to,
        clock.now(),
        clock_skew(),
    )
    with db.transaction() as session:
        _still_valid(session, device)
        existing = session.scalar(
            select(PresenceEvent).where(
                PresenceEvent.venue_id == device.venue_id,
                PresenceEvent.workstation == report.workstation,
                PresenceEvent.kind == report.kind.value,
                PresenceEvent.started_at == report.started_at,
            )
        )
        if existing is not None:
            if not _same(existing, report):
                raise Conflict(
                    f"an event {report.kind.value} at workstation {report.workstation} "
                    f"starting {report.started_at.isoformat()} was reported with other data",
                    code="event_conflict",
                )
            return Recorded(existing.id, existing.session_id is not None, True)
        row = PresenceEvent(
            venue_id=device.venue_id,
            device_id=device.id,
            workstation=report.workstation,
            kind=report.kind.value,
            started_at=report.started_at,
            ended_at=report.ended_at,
            segment_sha256=report.segment_sha256,
            segment_from=report.segment_from,
            segment_to=report.segment_to,
            received_at=clock.now(),
        )
        seat = _locked_seat(session, device.venue_id, report.workstation)
        if seat is not None:
            evaluation, member = seat
            row.session_id, row.seat = evaluation.id, member.seat
            row.seq = _say(
                session,
                evaluation,
                device.actor,
                "presence_event",
                seat=member.seat,
                venue_id=device.venue_id,
                workstation=report.workstation,
                kind=report.kind.value,
                started_at=_iso(report.started_at),
                ended_at=_iso(report.ended_at),
                segment_sha256=report.segment_sha256,
                segment_from=_iso(report.segment_from),
                segment_to=_iso(report.segment_to),
            )
        session.add(row)
        session.flush()
        return Recorded(row.id, seat is not None, False)


def _iso(at: datetime) -> str:
    return clock.as_utc(at).isoformat()


# --- outages (the tick) -------------------------------------------------------------------------


def venues_with_outages(now: datetime) -> list[int]:
    """The venues with a workstation silent for the window that is not yet marked offline, or
    whose outage a live session seating someone there has not been told."""
    untold = (  # a live session seats a checked-in member there, and was not told yet
        select(SessionMember.id)
        .join(EvaluationSession, EvaluationSession.id == SessionMember.session_id)
        .join(
            Attendance,
            (Attendance.place_id == SessionMember.place_id) & Attendance.checked_out_at.is_(None),
        )
        .where(
            SessionMember.venue_id == WorkstationHeartbeat.venue_id,
            SessionMember.workstation == WorkstationHeartbeat.workstation,
            SessionMember.active.is_(True),
            EvaluationSession.state.in_([state.value for state in LIVE]),
            SessionMember.session_id != func.coalesce(WorkstationHeartbeat.offline_session_id, 0),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            select(WorkstationHeartbeat.venue_id)
            .where(
                WorkstationHeartbeat.received_at <= now - offline_window(),
                WorkstationHeartbeat.offline_since.is_(None) | untold,
            )
            .distinct()
            .order_by(WorkstationHeartbeat.venue_id)
        )
    )


def mark_offline(venue_id: int, now: datetime) -> list[dict[str, Any]]:
    """One venue's workstations silent for the window: marked offline, and each outage posted
    once (``workstation_offline``) to the live session seating a member there. Idempotent: a
    second tick finds them marked and told."""
    window = offline_window()
    happened: list[dict[str, Any]] = []
    with db.transaction() as session:
        venue = _venue(session, venue_id, lock=True)
        rows = list(
            session.scalars(
                select(WorkstationHeartbeat)
                .where(WorkstationHeartbeat.venue_id == venue.id)
                .order_by(WorkstationHeartbeat.workstation)
            )
        )
        for row in rows:
            online = rules.is_online(row.received_at, now, window)
            if online:
                continue  # a heartbeat came meanwhile
            if row.offline_since is None:
                row.offline_since = row.received_at + window
            member = seated_member(session, venue.id, row.workstation)
            if member is None or not rules.should_post_offline(
                row.offline_session_id, member.session_id
            ):
                continue
            seat = _locked_seat(session, venue.id, row.workstation, member.session_id)
            if seat is None:
                continue
            evaluation, member = seat
            room.post(
                session,
                evaluation,
                rules.device_actor(venue.code),
                "workstation_offline",
                seat=member.seat,
                venue_id=venue.id,
                workstation=row.workstation,
                last_heartbeat_at=_iso(row.received_at),
            )
            row.offline_session_id = evaluation.id
            happened.append(
                {
                    "session_id": evaluation.id,
                    "venue_id": venue.id,
                    "workstation": row.workstation,
                    "seat": member.seat,
                }
            )
    return happened


# --- the supervisors' view ----------------------------------------------------------------------


def workstations(session_id: int) -> list[dict[str, Any]]:
    """The session's seated workstations as the AV systems report them, by seat: ``online`` is
    True (a heartbeat within the window), False (silent longer), or None (never heard of: the
    venue's device has sent nothing for it)."""
    session = db.session
    evaluation = room.load(session, session_id)
    members = room.members(session, evaluation)
    venues = {
        venue.id: venue
        for venue in session.scalars(
            select(Venue).where(Venue.id.in_({m.venue_id for m in members if m.venue_id}))
        )
    }
    beats = {
        (row.venue_id, row.workstation): row
        for row in session.scalars(
            select(WorkstationHeartbeat).where(WorkstationHeartbeat.venue_id.in_(list(venues)))
        )
    }
    now, window = clock.now(), offline_window()
    result = []
    for member in members:
        if not member.active or member.venue_id is None or member.workstation is None:
            continue
        row = beats.get((member.venue_id, member.workstation))
        venue = venues[member.venue_id]
        result.append(
            {
                "seat": member.seat,
                "venue_id": venue.id,
                "venue": venue.code,
                "workstation": member.workstation,
                "online": rules.is_online(row and row.received_at, now, window),
                "last_heartbeat_at": row and _iso(row.received_at),
                "offline_since": row and row.offline_since and _iso(row.offline_since),
            }
        )
    return result
