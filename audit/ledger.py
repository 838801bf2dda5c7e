"""The tamper-evident ledger: a single SHA-256 hash chain over every domain event.

    hash = SHA-256( prev_hash  ||  canonical_json({"seq", "at", "actor", "type", "payload"}) )

``prev_hash`` is the previous row's hash as 64 lowercase hex ASCII bytes (64 zeros before row 1);
canonical JSON is RFC 8785 (JCS) for the values we allow: objects with ASCII keys sorted, no
insignificant whitespace, UTF-8, strings escaped as JSON requires, integers only (no floats), and
``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC. docs/ledger.md states the rule for outside verifiers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from audit.models import LedgerEntry
from bidhall.events import Event

GENESIS = "0" * 64
# any constant will do: it only has to be the same for every writer of the chain
_PG_LOCK_KEY = 0x6269646861_6C6C  # "bidhall"


class NotCanonical(ValueError):
    pass


def canonical_json(value: Any) -> str:
    _check_canonical(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, type: str, payload_json: str) -> str:
    # the payload is already canonical text, so the envelope is assembled rather than re-encoded:
    # keys in sorted order actor < at < payload < seq < type
    body = '{"actor":%s,"at":%s,"payload":%s,"seq":%d,"type":%s}' % (
        json.dumps(actor, ensure_ascii=False),
        json.dumps(at),
        payload_json,
        seq,
        json.dumps(type, ensure_ascii=False),
    )
    return hashlib.sha256(prev_hash.encode("ascii") + body.encode("utf-8")).hexdigest()


def head(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def append_event(session: Session, event: Event) -> Event:
    """Subscriber of bidhall.events: append inside the emitting transaction."""
    entry = append(session, event.type, event.actor, event.at, event.payload)
    return Event(type=event.type, actor=event.actor, at=event.at, payload=event.payload,
                 seq=entry.seq)


def append(session: Session, type: str, actor: str, at: datetime, payload: dict) -> LedgerEntry:
    if session.get_bind().dialect.name == "postgresql":
        # one global chain: writers queue here until the holder's transaction ends
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    # on SQLite every write unit already began with BEGIN IMMEDIATE (bidhall.db)
    last_seq, last_hash = head(session)
    payload_json = canonical_json(payload)
    seq = last_seq + 1
    # the stored time is what gets hashed, so drop what the database could not keep
    at = at.astimezone(UTC)
    entry = LedgerEntry(
        seq=seq, at=at, actor=actor, type=type, payload=payload_json, prev_hash=last_hash,
        hash=entry_hash(last_hash, seq, format_at(at), actor, type, payload_json),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Finding:
    seq: int
    problem: str  # "edited" | "missing" | "broken_link" | "out_of_order"

    def describe(self) -> str:
        return {
            "edited": f"entry {self.seq} was edited: its hash does not match its content",
            "missing": f"entry {self.seq} is missing: the chain jumps over it",
            "broken_link": f"entry {self.seq} does not link to the entry before it",
            "out_of_order": f"entry {self.seq} is out of order",
        }[self.problem]


@dataclass(frozen=True)
class Verification:
    checked: int
    head_seq: int
    head_hash: str
    first_problem: Finding | None

    @property
    def ok(self) -> bool:
        return self.first_problem is None


Row = tuple[int, Any, str, str, str, str, str]


def verify_rows(rows: Iterable[Row]) -> Verification:
    """Walk rows (seq, at, actor, type, payload, prev_hash, hash) in seq order; stop at the first
    problem and name it."""
    expected_seq, prev = 1, GENESIS
    checked = 0
    for seq, at, actor, type_, payload, prev_hash, hash_ in rows:
        if seq != expected_seq:
            problem = "missing" if seq > expected_seq else "out_of_order"
            return Verification(checked, expected_seq - 1, prev, Finding(expected_seq, problem))
        if prev_hash != prev:
            return Verification(checked, seq - 1, prev, Finding(seq, "broken_link"))
        if isinstance(at, datetime):
            at = format_at(at if at.tzinfo else at.replace(tzinfo=UTC))
        else:  # SQLite hands the stored text back on the raw cursor
            at = format_at(datetime.fromisoformat(at).replace(tzinfo=UTC))
        if entry_hash(prev_hash, seq, at, actor, type_, payload) != hash_:
            return Verification(checked, seq - 1, prev, Finding(seq, "edited"))
        checked += 1
        expected_seq, prev = seq + 1, hash_
    return Verification(checked, expected_seq - 1, prev, None)


def verify(session: Session) -> Verification:
    return verify_rows(_stream(session))


def _stream(session: Session, batch: int = 5000) -> Iterator[Row]:
    # raw rows through a server-side cursor: verification must not build 200k ORM objects
    result = session.connection().execution_options(stream_results=True, yield_per=batch).execute(
        text(
            "SELECT seq, at, actor, type, payload, prev_hash, hash FROM ledger_entries ORDER BY seq"
        )
    )
    for partition in result.partitions(batch):
        yield from partition


def _check_canonical(value: Any) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        raise NotCanonical("ledger payloads carry no floats: send amounts as decimal strings")
    if isinstance(value, list | tuple):
        for item in value:
            _check_canonical(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise NotCanonical(f"ledger payload keys must be ASCII strings, not {key!r}")
            _check_canonical(item)
        return
    raise NotCanonical(f"ledger payloads carry JSON values only, not {type(value).__name__}")
