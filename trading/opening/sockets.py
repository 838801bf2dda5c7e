"""The opening hall over Socket.IO (namespace ``/opening``, a room per tender; DESIGN.md §5).

Connect with the session cookie, or ``auth={"token": "<API token>"}``; anyone may connect, but
``join`` admits only the tender's bidders, managers and supervisors, and the public from the
reading out on. Commands (``sign_in``, ``decrypt``, ``excuse``, ``share``, ``read_next``,
``object``, ``answer``, ``say``, ``close``) carry ``tender_id`` and a client-made ``cmd_id``;
each is answered by its acknowledgement: the result, or ``{"error": {"code", "message"}}`` (also
sent as a ``hall.error`` event, so a client without acknowledgements is never refused silently).

Every message in a hall is persisted first and broadcast after the commit as the event ``hall``:
``{"tender_id", "seq", "type", "at", "payload"}``, with a gap-free ``seq``. A client joins with the
last seq it saw and gets what it missed in the acknowledgement; it ignores a seq it already has
and asks ``replay`` if it ever sees a gap. Authorization happens on join and per command, never in
the fan-out, which is one encoded emit per message to the room.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from bidhall import inputs
from bidhall.accounts import services as account_services
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.errors import InvalidInput
from bidhall.events import Event
from bidhall.extensions import socketio
from bidhall.realtime import AnsweringNamespace
from trading.opening import services as opening

logger = logging.getLogger(__name__)

NAMESPACE = "/opening"
_users: dict[str, int | None] = {}  # sid -> user id (None: an anonymous watcher)


def room(tender_id: int) -> str:
    return f"hall:{tender_id}"


class OpeningNamespace(AnsweringNamespace):
    error_event = "hall.error"

    def on_connect(self, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if token:
            user = (
                account_services.user_for_token(token)
                if isinstance(token, str) and not _has_control(token)
                else None
            )
            if user is None:
                raise ConnectionRefusedError(
                    {"error": {"code": "invalid_token", "message": "the API token is unknown"}}
                )
            _users[request.sid] = user.id
        elif getattr(current_user, "is_authenticated", False):
            _users[request.sid] = current_user.id
        else:
            _users[request.sid] = None

    def on_disconnect(self, *_: Any) -> None:
        _users.pop(request.sid, None)

    # --- reading -----------------------------------------------------------------------------

    def on_join(self, data: Any) -> dict:
        tender_id = _tender_id(data)
        last = inputs.optional_integer(
            data.get("last_seq"), "last_seq", what="the last seq you saw"
        )
        user = self._user()
        role, tender = opening.enter(user, tender_id)
        # join first, then read: a message committed in between arrives twice (the client
        # drops the duplicate seq) instead of never
        join_room(room(tender_id))
        hall = opening.snapshot(user, role, tender)
        return {
            "ok": True,
            "tender_id": tender_id,
            "role": role.value,
            "seq": hall["seq"],
            "state": hall,
            "missed": opening.missed(tender_id, last),
        }

    def on_leave(self, data: Any) -> dict:
        leave_room(room(_tender_id(data)))
        return {"ok": True}

    def on_state(self, data: Any) -> dict:
        return {"ok": True, "state": opening.state(self._user(), _tender_id(data))}

    def on_replay(self, data: Any) -> dict:
        tender_id = _tender_id(data)
        after = inputs.integer(data.get("after"), "after", what="the last seq you saw")
        return {"ok": True, "messages": opening.messages_after(self._user(), tender_id, after)}

    def _user(self) -> User | None:
        # the request context Flask-SocketIO pushes per event ends by removing the session, so
        # no connection is held between events
        user_id = _users.get(request.sid)
        return db.session.get(User, user_id) if user_id is not None else None


def _command_handler(name: str):  # noqa: ANN202
    def handler(self: OpeningNamespace, data: Any) -> dict:
        return opening.run(self._user(), _tender_id(data), name, data)

    handler.__name__ = f"on_{name}"
    return handler


# --- commands: one handler per hall command, each a call of opening.run ------------------------

for _name in opening.command_names():
    setattr(OpeningNamespace, f"on_{_name}", _command_handler(_name))


def _tender_id(data: Any) -> int:
    if not isinstance(data, dict):
        raise InvalidInput(
            'send {"tender_id": <number>, ...}', code="invalid_body", field="tender_id"
        )
    return inputs.identifier(data.get("tender_id"), "tender_id")


def _has_control(value: str) -> bool:
    try:
        inputs.check_text(value, "token")
    except InvalidInput:
        return True
    return False


class Coalescer:
    """The hall's fan-out, one encoded emit per message or per burst.

    The cost of a broadcast is per delivery (PERF.md), so a burst into one room (a fast read-out,
    several bidders decrypting at once) is coalesced: a message is emitted at once when its room
    has been quiet for ``window`` seconds; otherwise it waits, at most ``window``, and goes out
    with the others of the burst as one ``hall.batch`` frame (a list, in seq order). A quiet hall
    thus hears every message at once; a busy one sends fewer, larger frames."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}  # room -> when its last frame went out
        self.pending: dict[str, list[dict]] = {}  # room -> messages waiting for the flush

    def publish(self, message: dict) -> None:
        target = room(message["tender_id"])
        if self.window <= 0:
            socketio.emit("hall", message, namespace=NAMESPACE, to=target)
            return
        now = time.monotonic()
        with self.lock:
            waiting = self.pending.get(target)
            if waiting is not None:
                waiting.append(message)
                return
            quiet_for = now - self.last.get(target, float("-inf"))
            send_now = quiet_for >= self.window
            if send_now:
                self.last[target] = now
            else:
                self.pending[target] = [message]
        if send_now:
            socketio.emit("hall", message, namespace=NAMESPACE, to=target)
        else:
            socketio.start_background_task(self._flush, target, self.window - quiet_for)

    def _flush(self, target: str, delay: float) -> None:
        socketio.sleep(delay)
        with self.lock:
            messages = self.pending.pop(target, [])
            self.last[target] = time.monotonic()
        if len(messages) == 1:
            socketio.emit("hall", messages[0], namespace=NAMESPACE, to=target)
        elif messages:
            socketio.emit("hall.batch", messages, namespace=NAMESPACE, to=target)


_coalescer = Coalescer(0)


def broadcast(event: Event) -> None:
    """After-commit publisher: a hall message to the hall's room (see Coalescer)."""
    message = opening.hall_message(event)
    if message is not None:
        _coalescer.publish(message)


def install(coalesce_ms: int = 0) -> None:
    from bidhall import events

    global _coalescer
    _coalescer = Coalescer(coalesce_ms / 1000)
    socketio.on_namespace(OpeningNamespace(NAMESPACE))
    events.publish_after_commit(broadcast)
