"""Presence (音视频监控): what the venues' audio-video systems report at a seated member's
workstation during a live session (docs/evaluation.md, Presence): a face absent, an extra face,
a voice, the seat left, each with its recording segment's hash; and a workstation silent longer
than ``AUDIT_OFFLINE_MINUTES``.

A workstation's silence runs from its last heartbeat before the outage (the
``workstation_offline``'s ``last_heartbeat_at``; never from before the session opened: the
member was not seated there yet) to the first heartbeat back (the ``workstation_online``'s
``last_heartbeat_at``), or to now while it is still out (the tick)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.detectors.base import Fact, Finding, Scope, Severity, detector, reads_back, tick_detector
from audit.detectors.evaluation import OPENED, ledger_facts
from audit.detectors.reads import read
from audit.ledger.models import IndexedEvent
from evaluation.sessions.models import EvaluationSession

AV_EVENT = "evaluation.presence_event"
OFFLINE = "evaluation.workstation_offline"
ONLINE = "evaluation.workstation_online"
reads_back(OFFLINE, OPENED)
BASIS = (
    "centres' practice (remote evaluation): members stay in sight and alone at their "
    "workstations, recorded throughout"
)
KINDS = {
    "face_absent": "no face",
    "extra_face": "a second face",
    "voice": "a voice",
    "seat_left": "the seat left",
}


@read("presence.open_outages")
def open_outages(session: Session) -> list[dict[str, Any]]:
    """The workstation outages told to sessions not closed (open or suspended) and not told
    back online: each its ``workstation_offline`` fact and its session's opening fact."""
    sessions = select(EvaluationSession.id).where(EvaluationSession.closed_at.is_(None))
    live = list(
        session.scalars(
            select(IndexedEvent.session_id)
            .where(IndexedEvent.type == OFFLINE, IndexedEvent.session_id.in_(sessions))
            .distinct()
        )
    )
    if not live:
        return []
    facts = ledger_facts(session, (OPENED, OFFLINE, ONLINE), session_ids=live)
    opened = {f.payload.get("session_id"): f for f in facts if f.type == OPENED}
    last: dict[tuple[Any, Any, Any], Fact] = {}
    for f in facts:
        if f.type != OPENED:
            last[_where(f)] = f
    return [
        {"offline": f, "opened": opened.get(f.payload.get("session_id"))}
        for f in last.values()
        if f.type == OFFLINE
    ]


def _where(fact: Fact) -> tuple[Any, Any, Any]:
    p = fact.payload
    return p.get("session_id"), p.get("venue_id"), p.get("workstation")


@detector("presence.lost", basis=BASIS, on=(AV_EVENT, ONLINE))
def lost(fact: Fact, scope: Scope) -> Iterator[Finding]:
    if fact.type == AV_EVENT:
        yield from _av_event(fact, scope)
        return
    where = _where(fact)
    offline = [f for f in scope.history(OFFLINE) if _where(f) == where and f.seq < fact.seq]
    if not offline:
        return
    opened = scope.history(OPENED)
    back = datetime.fromisoformat(fact.payload["last_heartbeat_at"])
    yield from _outage(scope, offline[-1], opened[0] if opened else None, back, fact)


@tick_detector("presence.lost", basis=BASIS)
def still_offline(scope: Scope) -> Iterator[Finding]:
    for outage in scope.read("presence.open_outages"):
        yield from _outage(scope, outage["offline"], outage["opened"], scope.now, None)


def _av_event(fact: Fact, scope: Scope) -> Iterator[Finding]:
    p = fact.payload
    seat, kind = p.get("seat"), p.get("kind")
    venue = fact.actor.removeprefix("device:")
    yield scope.finding(
        "presence.lost",
        f"session:{scope.session_id}:venue:{p.get('venue_id')}:ws:{p.get('workstation')}:"
        f"{kind}:{p.get('started_at')}",
        Severity.YELLOW,
        f"the AV system of {venue} saw {KINDS.get(kind, kind)} at seat {seat}'s workstation "
        f"{p.get('workstation')} from {p.get('started_at')} to {p.get('ended_at')} (recording "
        f"segment {p.get('segment_sha256')})",
        [fact.seq],
        figures={
            "seat": seat,
            "venue_id": p.get("venue_id"),
            "venue": venue,
            "workstation": p.get("workstation"),
            "kind": kind,
            "started_at": p.get("started_at"),
            "ended_at": p.get("ended_at"),
            "segment_sha256": p.get("segment_sha256"),
            "segment_from": p.get("segment_from"),
            "segment_to": p.get("segment_to"),
        },
        threshold={"kind": "fixed", "rule": "any AV event at a seated member's workstation"},
        subject=f"seat {seat}",
        venue_id=p.get("venue_id"),
    )


def _outage(
    scope: Scope, offline: Fact, opened: Fact | None, until: datetime, online: Fact | None
) -> Iterator[Finding]:
    """The outage begun with ``offline``, silent until ``until``: a finding past the limit."""
    p = offline.payload
    limit = int(scope.setting("AUDIT_OFFLINE_MINUTES"))
    since = datetime.fromisoformat(p["last_heartbeat_at"])
    if opened is not None:
        since = max(since, opened.at)
    silent = until - since
    if silent <= timedelta(minutes=limit):
        return
    minutes = int(silent.total_seconds() // 60)
    seat, venue = p.get("seat"), offline.actor.removeprefix("device:")
    ended = f"until its heartbeats returned at {until.isoformat()}" if online else "and counting"
    yield scope.finding(
        "presence.lost",
        f"session:{p.get('session_id')}:offline:{offline.seq}",
        Severity.YELLOW,
        f"seat {seat}'s workstation {p.get('workstation')} at {venue} was silent for {minutes} "
        f"minutes from {since.isoformat()} {ended}, more than {limit}",
        [offline.seq, *([online.seq] if online else [])],
        figures={
            "seat": seat,
            "venue_id": p.get("venue_id"),
            "workstation": p.get("workstation"),
            "silent_since": since.isoformat(),
            "silent_until": until.isoformat() if online else None,
            "silent_seconds": int(silent.total_seconds()),
            "back_online": online is not None,
        },
        threshold={"kind": "fixed", "rule": "silent minutes > limit", "minutes": limit},
        subject=f"seat {seat}",
        session_id=p.get("session_id"),
        venue_id=p.get("venue_id"),
        **({"tender_id": opened.payload.get("tender_id")} if opened is not None else {}),
    )
