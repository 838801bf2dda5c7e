"""The console's read side: every ongoing opening and every live evaluation session across the
venues with its key nodes, the seated workstations' presence, and the open alerts with their
counts by severity. Supervisors only (``rules.check_supervisor``, in the services).

An opening before its opening time (the bid deadline) shows its phase and deadline and nothing
about its bidders, not even how many (Law Art 22, ``trading.bids.rules.disclosure``): the bids
locked and decrypted are counted only from then on. Which openings are listed depends on the
tenders alone (a hall's row is made by the first sign-in, a bidder's too, so its existence is
never what lists a tender)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from audit.alerts.models import Alert
from audit.alerts.rules import AlertState
from audit.supervision import rules
from bidhall import clock
from bidhall.db import db
from evaluation.draws.visibility import venue_names
from evaluation.sessions import room
from evaluation.sessions.models import EvaluationSession, SessionMessage, Vote
from evaluation.sessions.rules import SessionState
from trading.bids import rules as bid_rules
from trading.bids.models import Bid
from trading.opening.hall import find_opening
from trading.opening.rules import OPENED, Phase
from trading.tenders.models import Tender, TenderState

LIVE = (SessionState.OPEN, SessionState.SUSPENDED)
#: a published tender enters the console this long before its opening time (its hall's sign-in)
OPENING_LEAD = timedelta(hours=24)
#: the newest open alerts listed (the counts cover them all)
ALERT_LIMIT = 200


def console_state() -> dict[str, Any]:
    now = clock.now()
    return {
        "now": now.isoformat(),
        "openings": openings(now),
        "sessions": sessions(now),
        "alerts": open_alerts(),
        "counts": open_counts(),
    }


# --- openings -----------------------------------------------------------------------------------


def openings(now: datetime) -> list[dict[str, Any]]:
    """The openings under way (the tender closed at its deadline, the hall not yet closed) and
    those due within ``OPENING_LEAD``, soonest first."""
    tenders = db.session.scalars(
        select(Tender)
        .where(
            or_(
                Tender.state == TenderState.CLOSED,
                and_(
                    Tender.state == TenderState.PUBLISHED,
                    Tender.bid_deadline <= now + OPENING_LEAD,
                ),
            )
        )
        .order_by(Tender.bid_deadline, Tender.id)
    )
    return [_opening(tender, now) for tender in tenders]


def _opening(tender: Tender, now: datetime) -> dict[str, Any]:
    hall = find_opening(db.session, tender.id)
    phase = hall.phase if hall is not None else Phase.WAITING.value
    shown = bid_rules.disclosure(tender.bid_deadline, now, phase)
    counted = shown.counts and hall is not None and phase != Phase.WAITING
    view: dict[str, Any] = {
        "tender_id": tender.id,
        "reference": tender.reference,
        "title": tender.title,
        "bid_deadline": tender.bid_deadline.isoformat(),
        "phase": phase,
        "decrypt_deadline": hall.decrypt_deadline.isoformat()
        if hall is not None and hall.decrypt_deadline and counted
        else None,
        # None: before the opening time nothing about the bidders is said (Law Art 22)
        "bids_locked": None,
        "decrypted": None,
        "read_out": None,
    }
    if counted:
        outcomes = dict(
            db.session.execute(
                select(Bid.opening_outcome, func.count(Bid.id))
                .where(Bid.id.in_(hall.read_order or []))
                .group_by(Bid.opening_outcome)
            ).all()
        )
        view["bids_locked"] = len(hall.read_order or [])
        view["decrypted"] = sum(n for outcome, n in outcomes.items() if outcome in OPENED)
        view["read_out"] = hall.read_count
    return view


# --- evaluation sessions ------------------------------------------------------------------------


def sessions(now: datetime) -> list[dict[str, Any]]:
    """Every open or suspended session, across the venues, oldest first."""
    rows = db.session.scalars(
        select(EvaluationSession)
        .where(EvaluationSession.state.in_([str(s) for s in LIVE]))
        .order_by(EvaluationSession.id)
    )
    return [_session(evaluation, now) for evaluation in rows]


def _session(evaluation: EvaluationSession, now: datetime) -> dict[str, Any]:
    from evaluation.presence import services as presence

    session = db.session
    tender = session.get(Tender, evaluation.tender_id)
    seated = room.members(session, evaluation)
    active = [m for m in seated if m.active]
    venues = venue_names([m.venue_id for m in seated])
    late = (evaluation.opened_at - evaluation.scheduled_at).total_seconds() / 60
    return {
        "session_id": evaluation.id,
        "tender": {"id": tender.id, "reference": tender.reference, "title": tender.title},
        "venues": sorted(set(venues.values())),
        "state": evaluation.state,
        "stage": evaluation.stage,
        "reason": evaluation.reason,
        "scheduled_at": evaluation.scheduled_at.isoformat(),
        "opened_at": evaluation.opened_at.isoformat(),
        "late_minutes": max(0, round(late)),
        "ends_at": evaluation.ends_at.isoformat(),
        "planned_minutes": evaluation.planned_minutes,
        "extended_minutes": evaluation.extended_minutes,
        "members": len(active),
        "present": sum(1 for m in active if room.checked_in(session, m)),
        "review": rules.review_span(_review_messages(evaluation.id), now),
        "votes": _votes(evaluation.id),
        "workstations": [
            {
                "seat": w["seat"],
                "venue": w["venue"],
                "workstation": w["workstation"],
                "online": w["online"],
                "offline_since": w["offline_since"],
            }
            for w in presence.workstations(evaluation.id)
        ],
    }


def _review_messages(session_id: int) -> list[tuple[str, datetime, dict]]:
    rows = db.session.execute(
        select(SessionMessage.type, SessionMessage.at, SessionMessage.payload)
        .where(
            SessionMessage.session_id == session_id,
            SessionMessage.type.in_(rules.REVIEW_TYPES),
        )
        .order_by(SessionMessage.seq)
    ).all()
    return [(type_, at, payload or {}) for type_, at, payload in rows]


def _votes(session_id: int) -> dict[str, Any]:
    votes = list(
        db.session.scalars(
            select(Vote).where(Vote.session_id == session_id, Vote.voided.is_(False))
        )
    )
    closed = [v for v in votes if v.closed_at is not None]
    opened = next((v.number for v in votes if v.closed_at is None), None)
    return {
        "number": len(votes),
        "closed": len(closed),
        "incomplete": sum(1 for v in closed if (v.result or {}).get("complete") is False),
        "open": opened,
    }


# --- alerts -------------------------------------------------------------------------------------


def open_alerts(limit: int = ALERT_LIMIT) -> list[dict[str, Any]]:
    """The alerts not resolved yet (open or acknowledged), newest first."""
    rows = db.session.scalars(
        select(Alert)
        .where(Alert.state != AlertState.RESOLVED)
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    return [alert_view(alert) for alert in rows]


def open_counts() -> dict[str, int]:
    """The alerts not resolved yet, by severity (every one, not only those listed)."""
    counts = {"yellow": 0, "red": 0}
    query = (
        select(Alert.severity, func.count(Alert.id))
        .where(Alert.state != AlertState.RESOLVED)
        .group_by(Alert.severity)
    )
    counts.update({severity: n for severity, n in db.session.execute(query)})
    return counts


def alert_view(alert: Alert) -> dict[str, Any]:
    return {
        "alert_id": alert.id,
        "detector": alert.detector,
        "severity": alert.severity,
        "state": alert.state,
        "session_id": alert.session_id,
        "tender_id": alert.tender_id,
        "venue_id": alert.venue_id,
        "subject": alert.subject,
        "summary": alert.summary,
        "raised_at": alert.raised_at.isoformat(),
    }


def alert_of(alert_id: int) -> Alert | None:
    return db.session.get(Alert, alert_id)
