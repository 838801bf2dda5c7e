"""The columns every room kind's tables share, as mixins its models inherit: a message table
(numbered messages, ``MessageLog``) and a command table (idempotent commands, ``CommandLog``).
Kept apart from the Socket.IO code so that models import no Flask."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column


class MessageRow:
    """The columns of a room kind's message table; the model adds its id, the room key column
    and a unique constraint over (room key, seq)."""

    seq: Mapped[int]
    at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)


class CommandRow:
    """The columns of a room kind's command table; the model adds its id, ``user_id``, the scope
    columns (the room key) and a unique constraint over (user_id, scope, name, cmd_id)."""

    cmd_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the canonical JSON of the command's data without its cmd_id and scope
    request_sha256: Mapped[str] = mapped_column(String(64), server_default="")
    at: Mapped[datetime]
    result: Mapped[dict] = mapped_column(JSON)
