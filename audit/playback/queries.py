"""The read side of history playback: the openings and evaluations a supervisor may replay, and
each one's timeline, read from the ledger through the detectors' index of it by tender and
session (``audit_event_index``).

A timeline is plain data (JSON-safe): the events of the opening or evaluation in ledger order,
each with its actor resolved to a name (supervisors see names), the alerts raised on it placed at
the ledger entry that raised them, and the AV recording segments the venues reported
(``evaluation.presence_event``), so that each moment can show the recording behind it. The index
holds what the detectors have read: an entry is in a timeline once the detectors' pass after its
commit (or the next tick) has run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from audit.alerts.models import Alert
from audit.ledger.models import IndexedEvent, LedgerEntry
from audit.playback import rules
from audit.playback.rules import Kind
from bidhall import clock
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.errors import NotFound
from evaluation.sessions.models import EvaluationSession
from evaluation.sessions.rules import SessionState
from evaluation.venues.models import Venue
from trading.opening.models import Opening
from trading.opening.rules import Phase
from trading.tenders.models import UNPUBLISHED_STATES, Tender

FINISHED_PHASES = (Phase.CLOSED, Phase.FAILED)
FINISHED_STATES = (SessionState.FINISHED, SessionState.TERMINATED)


# --- what may be replayed -------------------------------------------------------------------------


def playbacks(now: datetime) -> list[dict[str, Any]]:
    """The openings whose opening time has passed and every evaluation session, finished or
    ongoing, the latest first: ``{"kind", "id", "tender_id", "reference", "title", "started_at",
    "ended_at", "finished"}`` (``id``: the tender's for an opening, the session's for an
    evaluation; times aware UTC)."""
    openings = db.session.execute(
        select(
            Tender.id,
            Tender.reference,
            Tender.title,
            Tender.bid_deadline,
            Opening.phase,
            Opening.closed_at,
        )
        .join(Opening, Opening.tender_id == Tender.id)
        .where(Tender.bid_deadline <= now, Tender.state.not_in(UNPUBLISHED_STATES))
    ).all()
    sessions = db.session.execute(
        select(
            EvaluationSession.id,
            Tender.id,
            Tender.reference,
            Tender.title,
            EvaluationSession.opened_at,
            EvaluationSession.closed_at,
            EvaluationSession.state,
        ).join(Tender, Tender.id == EvaluationSession.tender_id)
    ).all()
    rows = [
        _listed(Kind.OPENING, tender_id, tender_id, reference, title, deadline, closed_at)
        | {"finished": phase in FINISHED_PHASES}
        for tender_id, reference, title, deadline, phase, closed_at in openings
    ] + [
        _listed(Kind.EVALUATION, session_id, tender_id, reference, title, opened_at, closed_at)
        | {"finished": state in FINISHED_STATES}
        for session_id, tender_id, reference, title, opened_at, closed_at, state in sessions
    ]
    rows.sort(key=lambda row: (row["started_at"], row["kind"], row["id"]), reverse=True)
    return rows


def _listed(
    kind: Kind,
    id_: int,
    tender_id: int,
    reference: str,
    title: str,
    started_at: datetime,
    ended_at: datetime | None,
) -> dict[str, Any]:
    return {
        "kind": str(kind),
        "id": id_,
        "tender_id": tender_id,
        "reference": reference,
        "title": title,
        "started_at": clock.as_utc(started_at),
        "ended_at": clock.as_utc(ended_at) if ended_at is not None else None,
    }


def heading(kind: Kind, id_: int, now: datetime) -> dict[str, Any]:
    """What the player's page names: ``{"kind", "id", "tender_id", "reference", "title"}``,
    with the timeline's own refusals (no such tender or session; ``not_opened``)."""
    if kind is Kind.OPENING:
        tender_id = _opened_tender(id_, now)
    else:
        tender_id = _session_tender(id_)
    reference, title = db.session.execute(
        select(Tender.reference, Tender.title).where(Tender.id == tender_id)
    ).one()
    return {
        "kind": str(kind),
        "id": id_,
        "tender_id": tender_id,
        "reference": reference,
        "title": title,
    }


def _opened_tender(tender_id: int, now: datetime) -> int:
    row = db.session.execute(
        select(Tender.bid_deadline, Tender.state).where(Tender.id == tender_id)
    ).first()
    if row is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    deadline, state = row
    rules.check_opened(clock.as_utc(deadline), state not in UNPUBLISHED_STATES, now)
    return tender_id


def _session_tender(session_id: int) -> int:
    tender_id = db.session.scalar(
        select(EvaluationSession.tender_id).where(EvaluationSession.id == session_id)
    )
    if tender_id is None:
        raise NotFound(f"no evaluation session {session_id}", code="session_not_found")
    return tender_id


# --- timelines ----------------------------------------------------------------------------------


def opening_timeline(tender_id: int, now: datetime) -> dict[str, Any]:
    """The opening hall of a tender from the ledger: the hall's messages, the ledger's
    ``opening.*`` events, the decryptions and the refused early requests for keys. Refused
    (``not_opened``) before the opening time."""
    _opened_tender(tender_id, now)
    subject = and_(IndexedEvent.tender_id == tender_id, IndexedEvent.session_id.is_(None))
    events = _events(subject, Kind.OPENING)
    where = [Alert.tender_id == tender_id, Alert.session_id.is_(None)]
    if events:  # the tender's own alerts raised during the opening, not before or after it
        first, last = events[0], events[-1]
        where.append(
            or_(
                Alert.seq.between(first["seq"], last["seq"]),
                and_(Alert.seq.is_(None), Alert.raised_at.between(first["_at"], last["_at"])),
            )
        )
    else:
        where.append(Alert.id.is_(None))
    return _timeline(Kind.OPENING, tender_id, tender_id, events, _alerts(where), [])


def evaluation_timeline(session_id: int) -> dict[str, Any]:
    """An evaluation session from the ledger: every ``evaluation.*`` event and each member's
    scores as entered (``score.submitted``), the session's alerts and the AV recording
    segments behind its moments."""
    tender_id = _session_tender(session_id)
    events = _events(IndexedEvent.session_id == session_id, Kind.EVALUATION)
    alerts = _alerts([Alert.session_id == session_id])
    return _timeline(Kind.EVALUATION, session_id, tender_id, events, alerts, _segments(events))


def _timeline(
    kind: Kind,
    id_: int,
    tender_id: int,
    events: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
    segments: list[dict[str, Any]],
) -> dict[str, Any]:
    names = _names(rules.user_id_of(event["actor"]) for event in events)
    for event in events:
        user_id = rules.user_id_of(event["actor"])
        event["actor_name"] = names.get(user_id) if user_id is not None else None
        del event["_at"]
    return {
        "kind": str(kind),
        "id": id_,
        "tender_id": tender_id,
        "start": events[0]["at"] if events else None,
        "end": events[-1]["at"] if events else None,
        "events": events,
        "alerts": alerts,
        "segments": segments,
    }


def _events(subject: ColumnElement[bool], kind: Kind) -> list[dict[str, Any]]:
    if kind is Kind.OPENING:
        prefixes, types = rules.OPENING_PREFIXES, rules.OPENING_TYPES
    else:
        prefixes, types = rules.EVALUATION_PREFIXES, rules.EVALUATION_TYPES
    of_kind = or_(
        IndexedEvent.type.in_(types), *(IndexedEvent.type.startswith(p) for p in prefixes)
    )
    rows = db.session.execute(
        select(
            LedgerEntry.seq,
            LedgerEntry.at,
            LedgerEntry.actor,
            LedgerEntry.type,
            LedgerEntry.payload,
        )
        .join(IndexedEvent, IndexedEvent.seq == LedgerEntry.seq)
        .where(subject, of_kind)
        .order_by(LedgerEntry.seq)
    ).all()
    return [
        {
            "seq": seq,
            "at": _time(at),
            "_at": at,  # for the alerts' period; dropped before the timeline leaves
            "actor": actor,
            "type": type_,
            "payload": json.loads(payload),
        }
        for seq, at, actor, type_, payload in rows
        if rules.belongs(kind, type_)
    ]


def _alerts(where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    query = select(
        Alert.id, Alert.seq, Alert.detector, Alert.severity, Alert.summary, Alert.raised_at
    ).where(*where)
    rows = db.session.execute(query.order_by(Alert.raised_at, Alert.id)).all()
    return [
        {
            "alert_id": alert_id,
            "seq": seq,
            "detector": detector,
            "severity": severity,
            "summary": summary,
            "raised_at": _time(raised_at),
        }
        for alert_id, seq, detector, severity, summary, raised_at in rows
    ]


def _segments(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The recording segments behind the AV events, as the venues' systems reported them."""
    reported = [e for e in events if e["type"] == rules.PRESENCE_EVENT]
    venue_ids = {e["payload"].get("venue_id") for e in reported}
    venues = dict(
        db.session.execute(select(Venue.id, Venue.name).where(Venue.id.in_(venue_ids))).all()
    )
    return [
        {
            "seq": e["seq"],
            "kind": e["payload"].get("kind"),
            "venue_id": e["payload"].get("venue_id"),
            "venue": venues.get(e["payload"].get("venue_id")),
            "workstation": e["payload"].get("workstation"),
            "seat": e["payload"].get("seat"),
            "from": e["payload"].get("segment_from"),
            "to": e["payload"].get("segment_to"),
            "sha256": e["payload"].get("segment_sha256"),
        }
        for e in reported
    ]


def _names(user_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(wanted))
    return {user_id: name for user_id, name in db.session.execute(query)}


def _time(value: datetime | None) -> str | None:
    return clock.as_utc(value).isoformat() if value is not None else None
