"""The console's plain rules: who watches it, what an intervention must carry, how long a review
has run, and which committed events are the key nodes pushed to the console. No Flask, no
database: values in, a decision out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bidhall.accounts.models import Role
from bidhall.errors import Forbidden, InvalidInput

REASON_MAX = 2000


def check_supervisor(user: Any) -> None:
    """Only supervisors watch the console and intervene: it names seats, bidders and alerts."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or getattr(user, "role", None) != Role.SUPERVISOR
    ):
        raise Forbidden("only supervisors watch the supervision console", code="not_supervisor")


def check_reason(value: object, field: str = "reason") -> str:
    """Every intervention says why, in writing (the record is read by the committee, the other
    supervisors and anyone who replays the session)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(
            f"{field}: an intervention needs a written {field}",
            code="reason_required",
            field=field,
        )
    if not isinstance(value, str) or len(value.strip()) > REASON_MAX:
        raise InvalidInput(
            f"{field}: give a text of 1 to {REASON_MAX} characters",
            code="invalid_field",
            field=field,
        )
    return value.strip()


# --- the review's duration ----------------------------------------------------------------------

STAGE_CHANGED = "evaluation.stage_changed"
REVIEW_CLOSED = "evaluation.review_closed"
SUSPENDED = "evaluation.session_suspended"
RESUMED = "evaluation.session_resumed"
REVIEW_TYPES = (STAGE_CHANGED, REVIEW_CLOSED, SUSPENDED, RESUMED)


def review_span(messages: Iterable[tuple[str, datetime, dict]], now: datetime) -> dict:
    """How long the review has run, as ``eval.too_short`` measures it: from the first
    ``stage_changed`` to ``review`` to ``review_closed`` (or ``now`` while it runs), less the
    time the session was suspended in between. ``messages``: (type, at, payload) in seq order."""
    started = closed = paused_at = None
    paused = 0.0
    for type_, at, payload in messages:
        if type_ == STAGE_CHANGED and payload.get("stage") == "review" and started is None:
            started = at
        elif type_ == REVIEW_CLOSED and started is not None and closed is None:
            closed = at
        elif type_ == SUSPENDED and started is not None and closed is None:
            paused_at = paused_at or at
        elif type_ == RESUMED and paused_at is not None:
            if closed is None:
                paused += (at - paused_at).total_seconds()
            paused_at = None
    if started is None:
        return {"started_at": None, "closed_at": None, "minutes": None}
    end = closed or now
    if paused_at is not None and closed is None:
        paused += (end - paused_at).total_seconds()  # suspended still
    seconds = max(0.0, (end - started).total_seconds() - paused)
    return {
        "started_at": started.isoformat(),
        "closed_at": closed.isoformat() if closed else None,
        "minutes": round(seconds / 60, 1),
    }


# --- key nodes ----------------------------------------------------------------------------------

# the hall's messages that change its phase (docs/opening.md); all of them come at or after the
# opening time, so a count they carry tells nothing Law Art 22 keeps back
HALL_PHASES = {
    "hall.bids_locked": "decrypting",
    "hall.failed": "failed",
    "hall.reading_started": "reading",
    "hall.reading_finished": "read",
    "hall.closed": "closed",
}

# evaluation events that are key nodes, and the payload fields the console shows of each
SESSION_NODES: dict[str, tuple[str, ...]] = {
    "evaluation.session_opened": ("scheduled_at", "opened_at", "late_minutes", "ends_at"),
    "evaluation.stage_changed": ("stage",),
    "evaluation.vote_closed": ("vote", "matter", "closed_by"),
    "evaluation.session_suspended": ("reason",),
    "evaluation.session_resumed": (),
    "evaluation.session_terminated": ("reason",),
    "evaluation.review_closed": (),
    "evaluation.results": ("computed_at",),
    "evaluation.report_sealed": ("report_sha256", "pdf_sha256"),
    "evaluation.workstation_offline": ("seat", "venue_id", "workstation", "last_heartbeat_at"),
    "evaluation.workstation_online": ("seat", "venue_id", "workstation", "offline_since"),
    "evaluation.supervisor_query": ("text", "by"),
    "supervision.paused": ("reason", "alert_id"),
}

# the alerts' handling, as the console's list follows it
ALERT_CHANGES = {
    "alert.acknowledged": "acknowledged",
    "alert.assigned": None,  # its state does not change
    "alert.resolved": "resolved",
    "alert.escalated": None,
}


def node_of(type_: str, payload: dict) -> dict | None:
    """The console's ``supervision.node`` for a committed event, or None: not a key node."""
    if type_ in HALL_PHASES:
        node = {"kind": "hall_phase", "tender_id": payload.get("tender_id")}
        node["phase"] = HALL_PHASES[type_]
        if type_ == "hall.bids_locked":
            node["bids_locked"] = len(payload.get("bids") or [])
        elif type_ == "hall.reading_started":
            node["bids_locked"], node["decrypted"] = payload.get("bids"), payload.get("opened")
        return node
    fields = SESSION_NODES.get(type_)
    if fields is None:
        return None
    node = {"kind": type_.split(".", 1)[1], "session_id": payload.get("session_id")}
    node.update({name: payload.get(name) for name in fields})
    if type_ == "evaluation.vote_closed":
        result = payload.get("result") or {}
        node.update(
            ballots=result.get("ballots"),
            present=result.get("present"),
            complete=result.get("complete"),
        )
    elif type_ == "evaluation.review_closed":
        node.update(
            passed=len(payload.get("passed") or []), vetoed=len(payload.get("vetoed") or [])
        )
    return node


def alert_change_of(type_: str, payload: dict) -> dict | None:
    """The console's ``supervision.alert_state`` for an alert's handling, or None."""
    if type_ not in ALERT_CHANGES:
        return None
    change = {"alert_id": payload.get("alert_id"), "change": type_.split(".", 1)[1]}
    if ALERT_CHANGES[type_] is not None:
        change["state"] = ALERT_CHANGES[type_]
    if type_ == "alert.escalated":
        change["severity"] = payload.get("severity")
    if type_ in ("alert.acknowledged", "alert.assigned"):
        change["assignee_id"] = payload.get("assignee_id")
    return change
