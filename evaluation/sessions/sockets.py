"""The live evaluation session over Socket.IO (namespace ``/evaluation``, a room per session;
DESIGN.md §5), on the kernel's real-time core.

Connect with the session cookie or ``auth={"token": "<API token>"}``. ``join`` admits the
session's seated members checked in at their workstations and the supervisors; nobody else.
Commands (``cast``, ``open_vote``, ``close_vote``, ``mark``, ``close_review``, ``save_scores``,
``submit_scores``, ``reopen``, ``declare_time``, ``suspend``, ``resume``, ``terminate``) carry
``session_id`` and a client-made ``cmd_id``; each is answered by its acknowledgement: the
result, or ``{"error": {"code", "message"}}`` (also sent as an ``evaluation.error`` event).

Every message is persisted first and broadcast after the commit as the event ``evaluation``:
``{"session_id", "seq", "type", "at", "payload"}`` with a gap-free ``seq``; nothing secret from a
member is ever said in the room (a member's drafts and, until it has submitted, the others'
scores reach it only through ``state``). ``docs/evaluation.md`` lists every message.
"""

from __future__ import annotations

from typing import Any

from bidhall.accounts.models import User
from bidhall.realtime import fanout
from bidhall.realtime.rooms import RoomNamespace
from evaluation.sessions import commands, room
from evaluation.sessions.models import SessionMember
from evaluation.sessions.rules import SessionRole

NAMESPACE = "/evaluation"

Admission = tuple[SessionRole, SessionMember | None, int]


class EvaluationNamespace(RoomNamespace):
    error_event = "evaluation.error"
    data_example = '{"session_id": <number>, ...}'
    log = room.MESSAGES

    def admit(self, user: User | None, key: int) -> Admission:
        return room.enter(user, key)

    def snapshot(self, user: User | None, admission: Admission) -> dict:
        role, member, key = admission
        return room.snapshot(user, role, member, key)

    def run(self, user: User | None, key: int, name: str, data: Any) -> dict:
        return commands.run(user, key, name, data)


EvaluationNamespace.add_commands(commands.command_names())


def install(coalesce_ms: int = 0) -> None:
    """Serve ``/evaluation`` (after socketio.init_app) and broadcast each session message after
    its commit."""
    fanout.install(EvaluationNamespace(NAMESPACE), coalesce_ms)
