"""The fan-out of numbered rooms: after the commit, each message goes to its room as one encoded
emit, or with the others of a burst as one batch frame.

``install(namespace, coalesce_ms)`` registers a ``RoomNamespace`` on the app's Socket.IO server
and a subscriber that sends what each unit said in a room together, after its commit. Every emit
goes through ``bidhall.extensions.socketio``, which the app factory binds to the Redis message
queue when ``REDIS_URL`` is set (``SOCKETIO_CHANNEL``): a message committed in any process (a
worker, the scheduler's tick) reaches the room's members connected to every other, in the same
order, with nothing to do in the room kind.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from bidhall import events
from bidhall.db import db
from bidhall.events import Event
from bidhall.extensions import socketio
from bidhall.realtime.rooms import RoomNamespace


class Coalescer:
    """A room kind's fan-out, one encoded emit per message or per burst.

    The cost of a broadcast is per delivery (PERF.md), so a burst into one room (a fast read-out,
    several bidders decrypting at once) is coalesced: a message is emitted at once when its room
    has been quiet for ``window`` seconds; otherwise it waits, at most ``window``, and goes out
    with the others of the burst as one ``<event>.batch`` frame (a list, in seq order). A quiet
    room thus hears every message at once; a busy one sends fewer, larger frames."""

    def __init__(self, namespace: str, event: str, window: float) -> None:
        self.namespace = namespace
        self.event = event
        self.batch_event = f"{event}.batch"
        self.window = window
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}  # room -> when its last frame went out
        self.pending: dict[str, list[dict]] = {}  # room -> messages waiting for the flush

    def publish(self, room: str, message: dict) -> None:
        self.publish_many(room, [message])

    def publish_many(self, room: str, messages: list[dict]) -> None:
        """Publish what one commit said in one room (in seq order): at once into a quiet room,
        as one frame when there are several; into a busy one with the rest of its burst."""
        if self.window <= 0:
            for message in messages:
                self._emit(self.event, message, room)
            return
        now = time.monotonic()
        with self.lock:
            waiting = self.pending.get(room)
            if waiting is not None:
                waiting.extend(messages)
                return
            quiet_for = now - self.last.get(room, float("-inf"))
            send_now = quiet_for >= self.window
            if send_now:
                self.last[room] = now
            else:
                self.pending[room] = list(messages)
        if send_now:
            self._send(room, messages)
        else:
            socketio.start_background_task(self._flush, room, self.window - quiet_for)

    def _flush(self, room: str, delay: float) -> None:
        socketio.sleep(delay)
        with self.lock:
            messages = self.pending.pop(room, [])
            self.last[room] = time.monotonic()
        self._send(room, messages)

    def _send(self, room: str, messages: list[dict]) -> None:
        if len(messages) == 1:
            self._emit(self.event, messages[0], room)
        elif messages:
            self._emit(self.batch_event, messages, room)

    def _emit(self, event: str, data: object, room: str) -> None:
        socketio.emit(event, data, namespace=self.namespace, to=room)


def install(namespace: RoomNamespace, coalesce_ms: int = 0) -> Coalescer:
    """Serve ``namespace`` (after ``socketio.init_app``) and broadcast its log's messages after
    each commit, coalesced over ``coalesce_ms``."""
    log = namespace.log
    coalescer = Coalescer(namespace.namespace, log.name, coalesce_ms / 1000)

    unit_key = f"fanout:{log.name}"

    def collect(_session: Session, event: Event) -> None:
        # inside the unit: the messages it posts wait for its commit, and go out together, so
        # a command that says several things (a last score: submitted, results, stage) is one
        # frame at once rather than one message now and the rest after the window
        message = log.message_of(event)
        if message is None:
            return
        said = db.unit_local(unit_key, dict)
        if not said:
            db.after_commit(lambda: _publish(said))
        said.setdefault(log.room(message[log.key]), []).append(message)

    def _publish(said: dict[str, list[dict]]) -> None:
        for room, messages in said.items():
            coalescer.publish_many(room, messages)

    socketio.on_namespace(namespace)
    events.subscribe(collect)
    return coalescer
