"""The supervisors' console over Socket.IO (namespace ``/supervision``), on the kernel's
real-time core (``bidhall.realtime.namespace.AnsweringNamespace``).

Connect with the session cookie or ``auth={"token": "<API token>"}``. Supervisors only: anyone
else (a bidder, an expert, the tender's staff, an anonymous watcher) is refused
(``not_supervisor``) in the acknowledgement and as the event ``supervision.error``.

- ``join`` (no data, or a JSON object): enter the console's room; answers ``{"ok", "state"}`` with
  every ongoing opening and live session, their key nodes, the workstations and the open
  alerts with their counts (``audit.supervision.queries.console_state``);
- ``state``: the same state again; ``leave``: out of the room.

Then the room hears, after each commit (``audit.supervision.live``): ``supervision.alert`` (a
new alert), ``supervision.alert_state`` (one acknowledged, assigned, resolved, escalated) and
``supervision.node`` (a key node). The interventions are HTTP (``audit/supervision/api.py``).
"""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from audit.supervision import services
from audit.supervision.live import NAMESPACE, ROOM
from bidhall.errors import InvalidInput
from bidhall.extensions import socketio
from bidhall.realtime.namespace import AnsweringNamespace


class SupervisionNamespace(AnsweringNamespace):
    error_event = "supervision.error"
    data_example = "{}"

    def on_join(self, data: Any) -> dict:
        _no_data(data)
        user = self.user()
        services.admit(user)  # anyone but a supervisor is refused here
        # join first, then read: an alert committed in between arrives twice (the client keeps
        # one per alert id) rather than never
        join_room(ROOM)
        return {"ok": True, "state": services.console(user)}

    def on_state(self, data: Any) -> dict:
        _no_data(data)
        return {"ok": True, "state": services.console(self.user())}

    def on_leave(self, data: Any) -> dict:
        _no_data(data)
        leave_room(ROOM)
        return {"ok": True}


def _no_data(data: Any) -> None:
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("send no data, or a JSON object", code="invalid_body")


def install() -> None:
    """Serve ``/supervision`` (after socketio.init_app)."""
    socketio.on_namespace(SupervisionNamespace(NAMESPACE))
