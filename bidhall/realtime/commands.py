"""Client commands applied once (DESIGN.md §5): every command carries a client-made ``cmd_id``,
and a retry gets the first result back without the command being applied again.

A room kind keeps its own command table (``CommandRow`` gives it the columns) and a
``CommandLog`` over it. The first result of a command is stored under (user, scope, command,
cmd_id) in the unit that applied it, with the SHA-256 of the command's data; a retry with the same
data gets that result with ``replayed: True``; the same id with other data is refused
(``cmd_id_reused``), never answered with another command's result. Two retries racing in from two
connections or processes meet at the table's unique constraint: the second unit rolls back and
answers the first one's result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidhall import canonical, clock
from bidhall.db import db
from bidhall.errors import Conflict, InvalidInput
from bidhall.realtime.tables import CommandRow


class CommandLog:
    """The commands of one room kind, stored in ``model``; ``place`` names a room in refusals
    ("this hall")."""

    def __init__(self, model: type[CommandRow], *, place: str) -> None:
        self.model = model
        self.place = place

    def run_once(
        self,
        user_id: int,
        name: str,
        data: object,
        *,
        admit: Callable[[Session], tuple[dict[str, Any], Any]],
        apply: Callable[[Session, Any], dict],
    ) -> dict:
        """Apply one command in one unit: ``admit(session)`` locks the room and authorizes the
        caller, returning the command's scope (``{"tender_id": 42}``) and whatever ``apply``
        needs; then the data is checked for its ``cmd_id``, a retry answered from the table, and
        otherwise ``apply(session, admitted)`` makes the result, which is stored with it."""
        scope: dict[str, Any] | None = None
        try:
            with db.transaction() as session:
                scope, admitted = admit(session)
                cmd_id = command_id(data)
                digest = request_digest(data, scope)
                previous = self.previous(session, user_id, scope, name, cmd_id, digest)
                if previous is not None:
                    return previous
                result = {"ok": True, "command": name, "cmd_id": cmd_id, **apply(session, admitted)}
                session.add(
                    self.model(
                        **scope,
                        user_id=user_id,
                        cmd_id=cmd_id,
                        name=name,
                        request_sha256=digest,
                        at=clock.now(),
                        result=result,
                    )
                )
                session.flush()
        except IntegrityError:
            # the same id raced in from another connection or process: the first one won
            if scope is None:
                raise
            previous = self.previous(
                db.session, user_id, scope, name, data["cmd_id"], request_digest(data, scope)
            )
            db.session.rollback()
            if previous is None:
                raise
            return previous
        return result

    def previous(
        self,
        session: Session,
        user_id: int,
        scope: dict[str, Any],
        name: str,
        cmd_id: str,
        digest: str,
    ) -> dict | None:
        """The first result of this command if this user already sent it in this scope with this
        id (a retry); the same id with other content is refused, never taken for the first
        command."""
        model = self.model
        row = session.execute(
            select(model.result, model.request_sha256).where(
                model.user_id == user_id,
                *(getattr(model, column) == value for column, value in scope.items()),
                model.name == name,
                model.cmd_id == cmd_id,
            )
        ).first()
        if row is None:
            return None
        if row.request_sha256 and row.request_sha256 != digest:  # "": recorded before the digest
            raise Conflict(
                f"cmd_id {cmd_id!r} was already used for another {name} in {self.place}: "
                "make a new id for each command",
                code="cmd_id_reused",
                field="cmd_id",
            )
        return dict(row.result) | {"replayed": True}


def command_id(data: object) -> str:
    """The command's client-made id, checked (the data must be a JSON object)."""
    if not isinstance(data, dict):
        raise InvalidInput("the command's data must be a JSON object", code="invalid_body")
    cmd_id = data.get("cmd_id")
    if not isinstance(cmd_id, str) or not 1 <= len(cmd_id) <= 64:
        raise InvalidInput(
            "every command carries a client-made id: cmd_id, 1 to 64 characters",
            code="invalid_field",
            field="cmd_id",
        )
    return cmd_id


def request_digest(data: dict, scope: dict[str, Any]) -> str:
    """SHA-256 of the command's content: its data without the cmd_id and the scope's keys (the
    room is already part of the scope, in the socket data as in the HTTP path)."""
    content = {key: value for key, value in data.items() if key != "cmd_id" and key not in scope}
    return hashlib.sha256(canonical.canonical(content)).hexdigest()
