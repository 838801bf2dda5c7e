"""The supervisors' console and their interventions: each needs a written reason, each is a ledger
event, each reaches the session's room (or the console) in real time, after its commit.

- ``pause``: the evaluation's own ``suspend`` command run as the supervisor, and in the same unit
  the audit's ``supervision.paused {session_id, reason, alert_id}``; a pause with no alert behind
  it is flagged for a second supervisor (``supervision.unbacked_pause``);
- ``query``: the evaluation's ``query`` command, a written question said in the room;
- ``escalate``: a yellow card made red (``audit.alerts.services.escalate``, ``alert.escalated``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from audit.alerts import services as alerts
from audit.alerts.models import Alert
from audit.alerts.rules import AlertState
from audit.supervision import queries, rules
from bidhall.accounts.models import User
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, InvalidInput, NotFound
from bidhall.events import emit
from evaluation.sessions import commands


def admit(user: User | None) -> None:
    """Refuse anyone but a supervisor (``not_supervisor``)."""
    rules.check_supervisor(user)


def console(user: User | None) -> dict[str, Any]:
    """The console's state, for a supervisor."""
    rules.check_supervisor(user)
    return queries.console_state()


def pause(
    user: User | None,
    session_id: int,
    reason: object,
    alert_id: int | None = None,
    cmd_id: str | None = None,
) -> dict[str, Any]:
    """Suspend a live session as the supervisor, naming the alert behind it (or none), in one
    unit: the session's ``session_suspended`` and the audit's ``supervision.paused``. A retry with
    the same ``cmd_id`` answers the first result and records nothing again."""
    rules.check_supervisor(user)
    reason = rules.check_reason(reason)
    data = {"cmd_id": cmd_id or _new_id(), "reason": reason}
    with db.transaction() as session:
        if alert_id is not None:
            _check_alert(session, alert_id, session_id)
        result = commands.run(user, session_id, "suspend", data)
        if not result.get("replayed"):
            emit(
                "supervision.paused",
                user,
                session_id=session_id,
                reason=reason,
                alert_id=alert_id,
            )
    return {**result, "session_id": session_id, "alert_id": alert_id}


def query(
    user: User | None, session_id: int, text: object, cmd_id: str | None = None
) -> dict[str, Any]:
    """Put a written question to the session's committee (``evaluation.supervisor_query``)."""
    rules.check_supervisor(user)
    text = rules.check_reason(text, "text")
    result = commands.run(user, session_id, "query", {"cmd_id": cmd_id or _new_id(), "text": text})
    return {**result, "session_id": session_id}


def escalate(user: User | None, alert_id: int, reason: object) -> Alert:
    """Make a yellow card red, with the reason (``alert.escalated``)."""
    rules.check_supervisor(user)
    return alerts.escalate(user, alert_id, rules.check_reason(reason))


def _check_alert(session: Session, alert_id: int, session_id: int) -> None:
    alert = fetch_one(session, Alert, alert_id)
    if alert is None:
        raise NotFound("no such alert", code="alert_not_found")
    if alert.session_id != session_id:
        raise InvalidInput(
            f"alert {alert_id} is not about session {session_id}",
            code="alert_not_for_session",
            field="alert_id",
        )
    if alert.state == AlertState.RESOLVED:
        raise Conflict(
            f"alert {alert_id} is resolved: it is no reason to pause", code="alert_resolved"
        )


def _new_id() -> str:
    return f"supervision-{uuid.uuid4().hex}"
