"""What the console hears, pushed to its room (``/supervision``, room ``supervision:console``)
after the commit of what caused it, never inside the writer's transaction:

- ``supervision.alert``: each alert as it is raised (``audit.alerts.live`` calls ``alert_raised``);
- ``supervision.alert_state``: an alert acknowledged, assigned, resolved or escalated;
- ``supervision.node``: a key node of an opening or an evaluation session (``rules.node_of``).

Read from the committed events' types and payloads alone: nothing is loaded from the database
here. A broadcast that fails is logged; what was recorded stays recorded."""

from __future__ import annotations

import logging
from typing import Any

from audit.supervision import rules
from bidhall.events import Event
from bidhall.extensions import socketio

logger = logging.getLogger(__name__)

NAMESPACE = "/supervision"
ROOM = "supervision:console"

ALERT_FIELDS = (
    "alert_id",
    "detector",
    "severity",
    "session_id",
    "tender_id",
    "venue_id",
    "subject",
    "summary",
)


def publish(event: Event) -> None:
    """After-commit publisher of every event (registered by ``audit.install``)."""
    change = rules.alert_change_of(event.type, event.payload)
    if change is not None:
        _emit("supervision.alert_state", {**change, "at": event.at.isoformat()})
        return
    node = rules.node_of(event.type, event.payload)
    if node is not None:
        node.update(type=event.type, at=event.at.isoformat(), seq=event.seq)
        _emit("supervision.node", node)


def alert_raised(event: Event) -> None:
    """An ``alert.raised`` event, to the console (after the commit that raised it)."""
    message = {name: event.payload.get(name) for name in ALERT_FIELDS}
    message.update(state="open", raised_at=event.at.isoformat())
    _emit("supervision.alert", message)


def _emit(name: str, data: dict[str, Any]) -> None:
    try:
        socketio.emit(name, data, namespace=NAMESPACE, to=ROOM)
    except Exception:  # a broadcast failure never undoes what was recorded
        logger.exception("the console's %s was not broadcast", name)
