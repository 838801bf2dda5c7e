"""Alerts as they are raised, to the supervisors watching: an alert on an evaluation session goes
at once to that session's supervisors (the ``/evaluation`` room's watchers, never its members),
as the Socket.IO event ``evaluation.alert``; every alert also goes to the supervisors' console
(``supervision.alert``). Published after the commit that raised it."""

from __future__ import annotations

import logging

from audit.supervision import live as console
from bidhall.events import Event
from bidhall.extensions import socketio
from bidhall.realtime.rooms import watchers
from evaluation.sessions.room import MESSAGES
from evaluation.sessions.sockets import NAMESPACE

logger = logging.getLogger(__name__)

FIELDS = ("alert_id", "detector", "severity", "session_id", "tender_id", "subject", "summary")


def publish(event: Event) -> None:
    if event.type != "alert.raised":
        return
    # every alert, on a session or not, to the supervisors' console (audit/supervision/live.py)
    console.alert_raised(event)
    if event.payload.get("session_id") is None:
        return
    message = {name: event.payload.get(name) for name in FIELDS}
    message["raised_at"] = event.at.isoformat()
    try:
        socketio.emit(
            "evaluation.alert",
            message,
            namespace=NAMESPACE,
            to=watchers(MESSAGES.room(event.payload["session_id"])),
        )
    except Exception:  # a broadcast failure never undoes what was recorded
        logger.exception("the live alert %s was not broadcast", event.payload.get("alert_id"))
