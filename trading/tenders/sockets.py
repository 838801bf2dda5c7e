"""Live updates of public tender notices over Socket.IO (namespace ``/tenders``).

Anyone may watch a published tender: join its room ``tender:<id>`` and receive ``tender.updated``
when a clarification or amendment is issued, the deadline moves, the tender is suspended, resumed,
closed or terminated. Broadcasts happen after the commit (bidhall.events publishers), so a client
never hears of a change that was rolled back. Clients only display; the page re-reads the
notice after an update.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from bidhall.events import Event
from bidhall.extensions import socketio
from bidhall.realtime.namespace import AnsweringNamespace
from trading.tenders import queries as services

NAMESPACE = "/tenders"
PUBLIC_EVENTS = {
    "tender.notice_issued",
    "tender.deadline_moved",
    "tender.suspended",
    "tender.resumed",
    "tender.download_closed",
    "tender.deadline_reached",
    "tender.terminated",
}


class TendersNamespace(AnsweringNamespace):
    error_event = "tender.error"
    room_field = "tender_id"
    data_example = '{"tender_id": <number>}'
    refuse_unknown_token = False  # public notices: a stale token watches as anyone

    def on_watch(self, data: Any) -> dict:
        tender_id = self.room_key(data)
        tender = services.get_visible_tender(None, tender_id)  # public tenders only
        join_room(f"tender:{tender.id}")
        return {
            "ok": True,
            "tender_id": tender.id,
            "state": tender.state.value,
            "bid_deadline": tender.bid_deadline.isoformat(),
        }

    def on_unwatch(self, data: Any) -> dict:
        leave_room(f"tender:{self.room_key(data)}")
        return {"ok": True}


def broadcast(event: Event) -> None:
    """After-commit publisher: tell the tender's watchers what changed."""
    if event.type not in PUBLIC_EVENTS:
        return
    tender_id = event.payload.get("tender_id")
    message = {
        "type": event.type,
        "tender_id": tender_id,
        "seq": event.seq,
        "at": event.at.isoformat(),
    }
    for key in ("before", "after", "notice_id", "kind", "bid_deadline"):
        if key in event.payload:
            message[key] = event.payload[key]
    socketio.emit("tender.updated", message, namespace=NAMESPACE, to=f"tender:{tender_id}")


def install() -> None:
    """Register the namespace (on the server created by socketio.init_app) and the publisher."""
    from bidhall import events

    socketio.on_namespace(TendersNamespace(NAMESPACE))
    events.publish_after_commit(broadcast)
