"""The ledger's index by subject (``audit_event_index``): the tender and the evaluation session
each entry is about, written with the entry in its transaction.

An entry is about the session and the tender its payload names at its top level
(``session_id``, ``tender_id``: integers); a session's entry that does not name its tender is
about the tender the session was opened for (its ``evaluation.session_opened`` entry names
both). Every entry gets a row, one about neither with both null, so that an entry without a row
is known to be unindexed: written before the index was kept with the chain, and indexed by the
detectors' pass when it reads it (audit.detectors.runner).

Kept with the chain rather than by whoever reads it first: playback finds a session's entries
the moment they are committed, and the detectors' pass, which reads the ledger past its cursor,
does not write a row per entry (random inserts into the two subject indexes, the larger part of
a year's re-screen when they were its own, docs/audit.md)."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from sqlalchemy import Connection, insert, select

from audit.ledger.models import IndexedEvent

OPENED = "evaluation.session_opened"

_INSERT = insert(IndexedEvent)


def ids(payload: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """The payload's own session, tender and venue ids (integers at its top level)."""
    return (
        integer(payload.get("session_id")),
        integer(payload.get("tender_id")),
        integer(payload.get("venue_id")),
    )


def rows(
    connection: Connection,
    entries: Iterable[tuple[int, str, dict[str, Any]]],
    opened: MutableMapping[int, int | None] | None = None,
) -> list[dict[str, Any]]:
    """The index rows of ``entries`` (``(seq, type, payload)`` in ledger order). A session's
    tender is looked up in ``opened`` (session -> tender, filled with the sessions these entries
    open: a bulk writer passes the same mapping from batch to batch), else in the index."""
    known: MutableMapping[int, int | None] = opened if opened is not None else {}
    found = []
    for seq, type_, payload in entries:
        session_id, tender_id, _ = ids(payload)
        if session_id is not None:
            if type_ == OPENED:
                known[session_id] = tender_id
            elif not tender_id:
                if session_id not in known:
                    known[session_id] = session_tender(connection, session_id)
                tender_id = known[session_id]
        found.append({"seq": seq, "type": type_, "tender_id": tender_id, "session_id": session_id})
    return found


def write(connection: Connection, seq: int, type_: str, payload: dict[str, Any]) -> None:
    """Index one entry just appended, in the appender's transaction."""
    connection.execute(_INSERT, rows(connection, [(seq, type_, payload)])[0])


def session_tender(connection: Connection, session_id: int) -> int | None:
    """The tender the session was opened for, by its indexed opening entry."""
    return connection.execute(
        select(IndexedEvent.tender_id)
        .where(IndexedEvent.session_id == session_id, IndexedEvent.type == OPENED)
        .order_by(IndexedEvent.seq)
        .limit(1)
    ).scalar()


def integer(value: Any) -> int | None:
    """``value`` if it is an integer id (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
