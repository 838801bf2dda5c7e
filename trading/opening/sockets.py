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
the fan-out, which is one encoded emit per message to the room, or one ``hall.batch`` frame per
burst (``HALL_COALESCE_MS``). The handlers are the kernel's (``bidhall.realtime``).
"""

from __future__ import annotations

from typing import Any

from bidhall.accounts.models import User
from bidhall.realtime import fanout
from bidhall.realtime.rooms import RoomNamespace
from trading.opening import commands, hall
from trading.opening.rules import HallRole
from trading.tenders.models import Tender

NAMESPACE = "/opening"


class OpeningNamespace(RoomNamespace):
    error_event = "hall.error"
    data_example = '{"tender_id": <number>, ...}'
    log = hall.MESSAGES

    def admit(self, user: User | None, key: int) -> tuple[HallRole, Tender]:
        return hall.enter(user, key)

    def snapshot(self, user: User | None, admission: tuple[HallRole, Tender]) -> dict:
        role, tender = admission
        return hall.snapshot(user, role, tender)

    def run(self, user: User | None, key: int, name: str, data: Any) -> dict:
        return commands.run(user, key, name, data)


OpeningNamespace.add_commands(commands.command_names())


def install(coalesce_ms: int = 0) -> None:
    """Serve ``/opening`` (after socketio.init_app) and broadcast each hall message after its
    commit."""
    fanout.install(OpeningNamespace(NAMESPACE), coalesce_ms)
