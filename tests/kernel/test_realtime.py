"""The kernel's real-time core (bidhall.realtime), through a room kind made for this test only:
authentication at connect, a command applied once per client-made id, gap-free seqs with the
replay of what a client missed, and every event answered."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import MetaData, UniqueConstraint, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bidhall.db import Base, db
from bidhall.errors import Forbidden, NotFound
from bidhall.realtime import fanout
from bidhall.realtime.commands import CommandLog
from bidhall.realtime.rooms import MessageLog, RoomNamespace
from bidhall.realtime.tables import CommandRow, MessageRow

NS = "/test-rooms"


# --- a room kind: its tables (in a metadata of their own, outside the migrated schema) ----------


class RoomsBase(DeclarativeBase):
    metadata = MetaData()
    type_annotation_map = Base.type_annotation_map


class Room(RoomsBase):
    __tablename__ = "test_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class RoomMessage(MessageRow, RoomsBase):
    __tablename__ = "test_room_messages"
    __table_args__ = (UniqueConstraint("room_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int]


class RoomCommand(CommandRow, RoomsBase):
    __tablename__ = "test_room_commands"
    __table_args__ = (UniqueConstraint("user_id", "room_id", "name", "cmd_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int]
    user_id: Mapped[int]


# --- its services and its thin namespace --------------------------------------------------------

MESSAGES = MessageLog(RoomMessage, name="room", key="room_id", counter_key="id")
COMMANDS = CommandLog(RoomCommand, place="this room")


def enter(user: Any, room_id: int) -> Room:
    if user is None:
        raise Forbidden("members only", code="not_in_room")
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound(f"no room {room_id}", code="room_not_found")
    return room


def say(user: Any, room_id: int, data: Any) -> dict:
    def admit(session: Session) -> tuple[dict, Room]:
        if user is None:
            raise Forbidden("members only", code="not_in_room")
        room = session.get(Room, room_id)
        if room is None:
            raise NotFound(f"no room {room_id}", code="room_not_found")
        return {"room_id": room.id}, room

    def apply(session: Session, room: Room) -> dict:
        return {"seq": MESSAGES.post(session, room, user, "said", text=data.get("text"))}

    return COMMANDS.run_once(getattr(user, "id", 0), "say", data, admit=admit, apply=apply)


class RoomsNamespace(RoomNamespace):
    error_event = "room.error"
    data_example = '{"room_id": <number>, ...}'
    log = MESSAGES

    def admit(self, user: Any, key: int) -> Room:
        return enter(user, key)

    def snapshot(self, user: Any, room: Room) -> dict:
        return {"role": "member", "seq": room.last_seq}

    def run(self, user: Any, key: int, name: str, data: Any) -> dict:
        return say(user, key, data)


RoomsNamespace.add_commands(["say"])


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def room(app) -> int:
    RoomsBase.metadata.create_all(db.engine)
    fanout.install(RoomsNamespace(NS))
    with db.transaction() as session:
        made = Room(last_seq=0)
        session.add(made)
        session.flush()
        room_id = made.id
    yield room_id
    db.session.rollback()
    RoomsBase.metadata.drop_all(db.engine)


@pytest.fixture
def member(app, make_user):
    """``member() -> client``: a new user's Socket.IO client on the test room kind, by token."""
    from bidhall.accounts import services
    from bidhall.extensions import socketio

    made = []

    def connect():
        _token, secret = services.issue_token(make_user().id, "rooms")
        client = socketio.test_client(app, namespace=NS, auth={"token": secret})
        made.append(client)
        return client

    yield connect
    for client in made:
        if client.is_connected(NS):
            client.disconnect(namespace=NS)


def join(client, room_id: int, last_seq: int | None = None) -> dict:
    return client.emit(
        "join", {"room_id": room_id, "last_seq": last_seq}, namespace=NS, callback=True
    )


def send(client, room_id: int, cmd_id: str, text: str) -> dict:
    return client.emit(
        "say", {"room_id": room_id, "cmd_id": cmd_id, "text": text}, namespace=NS, callback=True
    )


def heard(client) -> list[dict]:
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == "room"]


# --- the tests ----------------------------------------------------------------------------------


def test_an_unknown_token_is_refused_at_connect(app, room):
    from bidhall.extensions import socketio

    client = socketio.test_client(app, namespace=NS, auth={"token": "nope"})
    assert not client.is_connected(NS)


def test_an_anonymous_connection_is_admitted_by_the_room_kind_not_the_core(app, room):
    from bidhall.extensions import socketio

    client = socketio.test_client(app, namespace=NS)
    assert client.is_connected(NS)
    assert join(client, room)["error"]["code"] == "not_in_room"
    client.disconnect(namespace=NS)


def test_a_retried_command_is_applied_once(room, member):
    client = member()
    join(client, room)
    first = send(client, room, "c-1", "hello")
    again = send(client, room, "c-1", "hello")
    assert first == {"ok": True, "command": "say", "cmd_id": "c-1", "seq": 1}
    assert again == first | {"replayed": True}
    assert [m["seq"] for m in heard(client)] == [1]
    assert db.session.scalar(select(func.count(RoomMessage.id))) == 1


def test_a_cmd_id_reused_for_other_content_is_refused_and_nothing_is_said(room, member):
    client = member()
    join(client, room)
    send(client, room, "c-1", "hello")
    heard(client)
    reused = send(client, room, "c-1", "goodbye")
    assert reused["error"]["code"] == "cmd_id_reused"
    errors = [m for m in client.get_received(NS) if m["name"] == "room.error"]
    assert errors[0]["args"][0]["error"]["code"] == "cmd_id_reused"
    assert heard(client) == []


def test_a_cmd_id_is_scoped_to_its_user(room, member):
    first, second = member(), member()
    assert send(first, room, "same", "hello")["seq"] == 1
    assert send(second, room, "same", "hello")["seq"] == 2


def test_seqs_are_gap_free_and_a_rejoining_client_gets_what_it_missed(room, member):
    watcher, speaker = member(), member()
    assert join(watcher, room)["seq"] == 0
    send(speaker, room, "s-1", "one")
    seen = heard(watcher)
    assert [m["seq"] for m in seen] == [1]
    assert seen[0] == {
        "room_id": room,
        "seq": 1,
        "type": "room.said",
        "at": seen[0]["at"],
        "payload": {"text": "one"},
    }
    watcher.emit("leave", {"room_id": room}, namespace=NS, callback=True)
    send(speaker, room, "s-2", "two")
    send(speaker, room, "s-3", "three")
    assert heard(watcher) == []
    ack = join(watcher, room, last_seq=1)
    assert ack["seq"] == 3
    assert [(m["seq"], m["payload"]["text"]) for m in ack["missed"]] == [(2, "two"), (3, "three")]
    replay = watcher.emit("replay", {"room_id": room, "after": 0}, namespace=NS, callback=True)
    assert [m["seq"] for m in replay["messages"]] == [1, 2, 3]
    assert replay["messages"][0] == seen[0]


def test_every_event_is_answered(room, member):
    client = member()
    unknown = client.emit("no_such_event", {"room_id": room}, namespace=NS, callback=True)
    assert unknown["error"]["code"] == "unknown_event"
    shapeless = client.emit("join", [1, 2], namespace=NS, callback=True)
    assert shapeless["error"]["code"] == "invalid_body"
    assert "room_id" in shapeless["error"]["message"]
    no_id = client.emit("say", {"room_id": room, "text": "hi"}, namespace=NS, callback=True)
    assert no_id["error"]["code"] == "invalid_field"
    missing = join(client, room + 1000)
    assert missing["error"]["code"] == "room_not_found"
