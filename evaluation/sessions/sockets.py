"""The live evaluation session over Socket.IO (namespace ``/evaluation``, a room per session;
DESIGN.md §5), on the kernel's real-time core.

Connect with the session cookie or ``auth={"token": "<API token>"}``. ``join`` admits the
session's seated members checked in at their workstations and the supervisors; nobody else.
Commands (``cast``, ``open_vote``, ``close_vote``, ``mark``, ``close_review``, ``save_scores``,
``submit_scores``, ``reopen``, ``declare_time``, ``suspend``, ``resume``, ``terminate``,
``query``; docs/evaluation.md lists them all) carry
``session_id`` and a client-made ``cmd_id``; each is answered by its acknowledgement: the
result, or ``{"error": {"code", "message"}}`` (also sent as an ``evaluation.error`` event).

Every message is persisted first and broadcast after the commit as the event ``evaluation``:
``{"session_id", "seq", "type", "at", "payload"}`` with a gap-free ``seq``; nothing secret from a
member is ever said in the room (a member's drafts and, until it has submitted, the others'
scores reach it only through ``state``). ``docs/evaluation.md`` lists every message.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import join_room, leave_room

from bidhall.accounts.models import User
from bidhall.realtime import fanout
from bidhall.realtime.rooms import RoomNamespace, watchers
from evaluation.sessions import commands, room, services
from evaluation.sessions.models import SessionMember
from evaluation.sessions.rules import SessionRole

NAMESPACE = "/evaluation"

Admission = tuple[SessionRole, SessionMember | None, int]


class EvaluationNamespace(RoomNamespace):
    error_event = "evaluation.error"
    data_example = '{"session_id": <number>, ...}'
    log = room.MESSAGES

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self._following: dict[str, tuple[int, int]] = {}  # sid -> (session id, member's user)

    def admit(self, user: User | None, key: int) -> Admission:
        return room.enter(user, key)

    def snapshot(self, user: User | None, admission: Admission) -> dict:
        role, member, key = admission
        return room.snapshot(user, role, member, key)

    def run(self, user: User | None, key: int, name: str, data: Any) -> dict:
        return commands.run(user, key, name, data)

    # a member's joining and leaving are on the record (member_joined / member_left)

    def on_join(self, data: Any) -> dict:
        answer = super().on_join(data)
        if answer["role"] == SessionRole.SUPERVISOR:
            # the supervisors' own room: the audit layer's live alerts on this session
            join_room(watchers(self.log.room(answer["session_id"])))
        if answer["role"] == SessionRole.MEMBER:
            user_id = self._users.get(request.sid)
            self._following[request.sid] = (answer["session_id"], user_id)
            services.member_present(answer["session_id"], user_id, joined=True)
        return answer

    def on_leave(self, data: Any) -> dict:
        answer = super().on_leave(data)
        leave_room(watchers(self.log.room(self.room_key(data))))
        self._left(request.sid)
        return answer

    def on_disconnect(self, *args: Any) -> None:
        self._left(request.sid)
        super().on_disconnect(*args)

    def _left(self, sid: str) -> None:
        following = self._following.pop(sid, None)
        if following is not None:
            services.member_present(*following, joined=False)


EvaluationNamespace.add_commands(commands.command_names())


def install(coalesce_ms: int = 0) -> None:
    """Serve ``/evaluation`` (after socketio.init_app) and broadcast each session message after
    its commit."""
    fanout.install(EvaluationNamespace(NAMESPACE), coalesce_ms)
