"""Rooms whose messages are numbered: persisted first, broadcast after the commit, replayed to a
client that reconnects (DESIGN.md §5).

A room kind keeps its own message table (``MessageRow`` gives it the columns) and a counter row
per room with a ``last_seq`` column; ``MessageLog`` posts into it and reads it back:

- ``post`` takes the room's next seq (the caller's unit holds the room's lock, so seqs are
  gap-free and never shared), adds the row and emits the message as the domain event
  ``<name>.<kind>`` in the same unit, so the ledger sees every message and nothing is said that
  was rolled back;
- ``message_of`` turns that event into the client message after the commit (the fan-out);
- ``after`` is the replay: the messages after a seq, in order.

``RoomNamespace`` is the namespace of such a room kind: ``join`` (with the last seq the client
saw), ``leave``, ``state``, ``replay`` and one handler per command; the room kind answers
``admit``, ``snapshot`` and ``run``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from flask_socketio import join_room, leave_room
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import inputs
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.events import Event, emit
from bidhall.realtime.namespace import AnsweringNamespace
from bidhall.realtime.tables import MessageRow


class MessageLog:
    """The numbered messages of one room kind. ``name`` names everything a client sees of it:
    the events ``<name>.<kind>`` (their seq in ``<name>_seq``), the Socket.IO rooms
    ``<name>:<key>``; ``key`` is the room key's column and field (``tender_id``), and
    ``counter_key`` the counter row's column that holds it (the same name unless given)."""

    def __init__(
        self, model: type[MessageRow], *, name: str, key: str, counter_key: str | None = None
    ) -> None:
        self.model = model
        self.name = name
        self.key = key
        self.counter_key = counter_key or key
        self.seq_field = f"{name}_seq"

    def room(self, key: int) -> str:
        return f"{self.name}:{key}"

    def post(self, session: Session, counter: Any, actor: Any, kind: str, /, **payload: Any) -> int:
        """Say something in the room ``counter`` keeps the seq of (a row with ``last_seq`` and the
        room key): the next seq, persisted and emitted as a domain event in this unit; the
        broadcast follows the commit. Returns the seq."""
        counter.last_seq += 1
        key = getattr(counter, self.counter_key)
        event = emit(
            f"{self.name}.{kind}",
            actor,
            **{self.key: key, self.seq_field: counter.last_seq},
            **payload,
        )
        session.add(
            self.model(
                **{self.key: key},
                seq=counter.last_seq,
                at=event.at,
                type=event.type,
                payload=payload,
            )
        )
        return counter.last_seq

    def message_of(self, event: Event) -> dict | None:
        """The client message of one of this log's events (identical to its stored row)."""
        if not event.type.startswith(f"{self.name}."):
            return None
        hidden = (self.key, self.seq_field)
        payload = {k: v for k, v in event.payload.items() if k not in hidden}
        return self._message(
            event.payload[self.key], event.payload[self.seq_field], event.type, event.at, payload
        )

    def after(self, key: int, after: int | None) -> list[dict]:
        """The messages after seq ``after``, in order, for a caller already admitted."""
        model = self.model
        rows = db.session.scalars(
            select(model)
            .where(getattr(model, self.key) == key, model.seq > (after or 0))
            .order_by(model.seq)
        )
        return [self.to_json(row) for row in rows]

    def to_json(self, row: MessageRow) -> dict:
        return self._message(getattr(row, self.key), row.seq, row.type, row.at, row.payload)

    def _message(self, key: int, seq: int, type: str, at: datetime, payload: dict) -> dict:
        return {self.key: key, "seq": seq, "type": type, "at": at.isoformat(), "payload": payload}


class RoomNamespace(AnsweringNamespace, ABC):
    """A namespace of numbered rooms. A room kind sets ``log`` and answers:

    - ``admit(user, key)``: refuse anyone who may not be in the room, or return what
      ``snapshot`` needs (e.g. the caller's role and the room's row);
    - ``snapshot(user, admission)``: the room as this caller may see it, with its ``role`` and
      its current ``seq``;
    - ``run(user, key, name, data)``: one command (see ``bidhall.realtime.commands``), for the
      names given to ``add_commands``.
    """

    log: MessageLog

    @property
    def room_field(self) -> str:  # type: ignore[override]
        return self.log.key

    @abstractmethod
    def admit(self, user: User | None, key: int) -> Any: ...

    @abstractmethod
    def snapshot(self, user: User | None, admission: Any) -> dict: ...

    @abstractmethod
    def run(self, user: User | None, key: int, name: str, data: Any) -> dict: ...

    @classmethod
    def add_commands(cls, names: list[str]) -> None:
        """One ``on_<name>`` handler per command, each a call of ``run``."""
        for name in names:
            setattr(cls, f"on_{name}", _command_handler(name))

    def on_join(self, data: Any) -> dict:
        key = self.room_key(data)
        last = inputs.optional_integer(
            data.get("last_seq"), "last_seq", what="the last seq you saw"
        )
        user = self.user()
        admission = self.admit(user, key)
        # join first, then read: a message committed in between arrives twice (the client
        # drops the duplicate seq) instead of never
        join_room(self.log.room(key))
        state = self.snapshot(user, admission)
        return {
            "ok": True,
            self.log.key: key,
            "role": state["role"],
            "seq": state["seq"],
            "state": state,
            "missed": self.log.after(key, last),
        }

    def on_leave(self, data: Any) -> dict:
        leave_room(self.log.room(self.room_key(data)))
        return {"ok": True}

    def on_state(self, data: Any) -> dict:
        user, key = self.user(), self.room_key(data)
        return {"ok": True, "state": self.snapshot(user, self.admit(user, key))}

    def on_replay(self, data: Any) -> dict:
        key = self.room_key(data)
        after = inputs.integer(data.get("after"), "after", what="the last seq you saw")
        user = self.user()
        self.admit(user, key)
        return {"ok": True, "messages": self.log.after(key, after)}


def watchers(room: str) -> str:
    """The Socket.IO room beside ``room`` for those who watch it with more rights than its
    members (the supervisors of an evaluation session): what is said there (the audit's live
    alerts) is never said in the room itself."""
    return f"{room}:watchers"


def _command_handler(name: str):  # noqa: ANN202
    def handler(self: RoomNamespace, data: Any) -> dict:
        return self.run(self.user(), self.room_key(data), name, data)

    handler.__name__ = f"on_{name}"
    return handler
