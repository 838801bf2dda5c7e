"""The tamper-evident ledger: a single SHA-256 hash chain over every domain event.

    hash = SHA-256( prev_hash  ||  canonical_json({"seq", "at", "actor", "type", "payload"}) )

``prev_hash`` is the previous row's hash as 64 lowercase hex ASCII bytes (64 zeros before row 1);
canonical JSON is RFC 8785 (JCS) for the values we allow: objects with ASCII keys sorted, no
insignificant whitespace, UTF-8, strings escaped as JSON requires, integers only (no floats), and
``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC. docs/ledger.md states the rule for outside
verifiers.

Appends serialize on one global chain: SQLite write units begin with ``BEGIN IMMEDIATE``
(bidhall.db), PostgreSQL takes a transaction-scoped advisory lock here.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _quote  # the C encoder json.dumps itself uses
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from audit.ledger import index
from audit.ledger.models import LedgerEntry
from bidhall.canonical import canonical
from bidhall.db import db
from bidhall.events import Event

GENESIS = "0" * 64
# any constant will do: it only has to be the same for every writer of the chain
_PG_LOCK_KEY = 0x6269646861_6C6C  # "bidhall"
# RFC 8785 writes numbers as IEEE 754 doubles: beyond 2**53 it would no longer print the integer
_MAX_SAFE_INT = 2**53 - 1


class NotCanonical(ValueError):
    pass


def canonical_json(value: Any) -> str:
    """The canonical JSON text of a ledger payload (bidhall.canonical), after refusing anything
    outside the JCS subset that form is exact for."""
    _check_canonical(value)
    return canonical(value).decode("utf-8")


def format_at(at: datetime) -> str:
    # isoformat always pads the year to four digits (strftime("%Y") does not on glibc)
    utc = at.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, type: str, payload_json: str) -> str:
    """The hash of one entry. ``at`` is already ``format_at`` text and ``payload_json`` already
    canonical, so the envelope is assembled rather than re-encoded: keys in sorted order
    actor < at < payload < seq < type, strings quoted by the encoder json.dumps uses."""
    body = (
        f'{prev_hash}{{"actor":{_quote(actor)},"at":{_quote(at)},"payload":{payload_json},'
        f'"seq":{int(seq)},"type":{_quote(type)}}}'
    )
    # prev_hash is hex, so encoding it with the body as UTF-8 yields its ASCII bytes
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


_HEAD = select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
_INSERT = insert(LedgerEntry)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def head(session: Session) -> tuple[int, str]:
    """The last committed (or, inside a write unit, appended) entry's seq and hash."""
    row = session.connection().execute(_HEAD).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def append_event(session: Session, event: Event) -> None:
    """Subscriber of bidhall.events. The event is checked now (a payload the ledger cannot store
    fails at the call site) and appended with the rest of its unit's events just before the
    commit, so the chain lock is held only for the commit itself: a unit never waits for the
    chain while holding rows another chain holder needs."""
    canonical_json(event.payload)
    pending: list[Event] = db.unit_local("audit.ledger.pending", list)
    if not pending:
        # also after an earlier flush in this unit: an event emitted by a later before-commit
        # hook gets a flush of its own, run after that hook
        db.before_commit(lambda: flush_pending(session))
    pending.append(event)


def flush_pending(session: Session) -> None:
    """Append the unit's queued events now (in order) and give each its ``seq``."""
    pending: list[Event] = db.unit_local("audit.ledger.pending", list)
    while pending:
        event = pending.pop(0)
        event.seq = append(session, event.type, event.actor, event.at, event.payload).seq


def append(session: Session, type: str, actor: str, at: datetime, payload: dict) -> LedgerEntry:
    """Append one entry in the session's transaction, with its row in the ledger's index by
    subject (audit.ledger.index), and return it (a transient copy: the row is written with a
    Core INSERT, which costs a fraction of an ORM flush)."""
    payload_json = canonical_json(payload)  # refuse before queueing for the lock
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # write what is pending first, so that the row locks those writes need (foreign keys take
        # key-share locks) are taken before queueing for the chain, not while holding it
        session.flush()
        # one global chain: writers queue here until the holder's transaction ends (the lock is
        # re-entrant within a transaction). The head is read by the next statement, whose
        # snapshot (READ COMMITTED, the default) is taken after the lock: never fold the two.
        connection.execute(_LOCK, {"key": _PG_LOCK_KEY})
    # on SQLite every write unit already began with BEGIN IMMEDIATE (bidhall.db)
    row = connection.execute(_HEAD).first()
    last_seq, last_hash = (row[0], row[1]) if row else (0, GENESIS)
    seq = last_seq + 1
    # the stored time is what gets hashed: UTC, microseconds, as both databases keep it
    at = at.astimezone(UTC)
    values = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "type": type,
        "payload": payload_json,
        "prev_hash": last_hash,
        "hash": entry_hash(last_hash, seq, format_at(at), actor, type, payload_json),
    }
    connection.execute(_INSERT, values)
    index.write(connection, seq, type, payload)
    return LedgerEntry(**values)


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
    problem and name it. ``at`` may be a datetime or the text a database keeps; ``payload`` is
    the stored text, hashed as it is (so even a whitespace change counts as an edit)."""
    # the hot loop of `bidhall audit verify`: entry_hash inlined, locals bound once, the few
    # distinct actors and types quoted once
    sha256, quoted = hashlib.sha256, _Quoted()
    expected_seq, prev = 1, GENESIS
    for seq, at, actor, type_, payload, prev_hash, hash_ in rows:
        try:
            if seq != expected_seq:
                problem = "missing" if seq > expected_seq else "out_of_order"
                return Verification(
                    expected_seq - 1, expected_seq - 1, prev, Finding(expected_seq, problem)
                )
            if prev_hash != prev:
                return Verification(seq - 1, seq - 1, prev, Finding(seq, "broken_link"))
            if type(at) is not str or len(at) != 27:  # 27: already the hashed form
                if type(at) is str and len(at) == 26 and at[10] == " ":
                    # SQLite's stored form of a UTC time, "2026-03-01 01:30:00.000000"
                    at = f"{at[:10]}T{at[11:]}Z"
                else:
                    at = _at_text(at)
            body = (
                f'{prev_hash}{{"actor":{quoted[actor]},"at":"{at}","payload":{payload},'
                f'"seq":{seq},"type":{quoted[type_]}}}'
            )
            intact = sha256(body.encode("utf-8")).hexdigest() == hash_
        except (TypeError, ValueError, AttributeError):
            # a value no writer could have stored (SQLite keeps any type in any column)
            intact = False
        if not intact:
            return Verification(
                expected_seq - 1, expected_seq - 1, prev, Finding(expected_seq, "edited")
            )
        expected_seq, prev = seq + 1, hash_
    return Verification(expected_seq - 1, expected_seq - 1, prev, None)


class _Quoted(dict):
    def __missing__(self, text: str) -> str:
        self[text] = quoted = _quote(text)
        return quoted


def verify(session: Session) -> Verification:
    """Verify the committed ledger. It is read through a connection of its own, so a session
    holding an older snapshot (a long request, a test) still sees what the database holds now."""
    with _reading(session) as rows:
        return verify_rows(rows)


def export(session: Session) -> Iterator[str]:
    """The committed ledger as JSON Lines, one entry per line, for outside verifiers
    (docs/ledger.md): ``{"seq","at","actor","type","payload","prev_hash","hash"}`` with ``at`` in
    its hashed form and ``payload`` the stored canonical JSON, embedded as it is. A row holding
    what no writer stores is still exported, as valid JSON, for the verifier to reject."""
    with _reading(session) as rows:
        for row in rows:
            yield export_line(row)


def export_line(row: Row) -> str:
    """One exported line for a raw ``(seq, at, actor, type, payload, prev_hash, hash)`` row."""
    seq, at, actor, type_, payload, prev_hash, hash_ = row
    try:
        json.loads(payload)  # embedded verbatim only if it is JSON at all
        if type(seq) is not int:
            raise TypeError(seq)
        return (
            f'{{"seq":{seq},"at":{_quote(_at_text(at))},"actor":{_quote(actor)},'
            f'"type":{_quote(type_)},"payload":{payload},'
            f'"prev_hash":{_quote(prev_hash)},"hash":{_quote(hash_)}}}'
        )
    except (TypeError, ValueError, AttributeError):
        return json.dumps(
            {
                "seq": seq,
                "at": str(at),
                "actor": actor,
                "type": type_,
                "payload": payload,
                "prev_hash": prev_hash,
                "hash": hash_,
            },
            ensure_ascii=False,
            default=str,
        )


_SELECT = "SELECT seq, at, actor, type, payload, prev_hash, hash FROM ledger_entries ORDER BY seq"
# PostgreSQL formats the UTC time exactly as it is hashed: no datetime object per row
_SELECT_PG = _SELECT.replace(
    " at,", """ to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),"""
)


@contextmanager
def _reading(session: Session, batch: int = 10_000) -> Iterator[Iterator[Row]]:
    """Raw rows in seq order on a connection of its own: no ORM objects, no Result wrapping,
    batches from a server-side cursor on PostgreSQL."""
    with session.get_bind().connect() as connection:
        dbapi = connection.connection  # the driver's connection; the pool rolls it back after
        if connection.dialect.name == "postgresql":
            cursor = dbapi.cursor(name="bidhall_ledger")  # server-side, in its own transaction
            cursor.execute(_SELECT_PG)
            # the server formats and sends the next batch while this thread hashes the last
            batches = _fetched_ahead(cursor, batch)
        else:
            cursor = dbapi.cursor()
            cursor.execute(_SELECT)  # one statement, so one consistent snapshot
            batches = iter(lambda: cursor.fetchmany(batch), [])
        try:
            yield (row for rows in batches for row in rows)
        finally:
            if hasattr(batches, "close"):
                batches.close()
            cursor.close()


def _fetched_ahead(cursor: Any, size: int) -> Iterator[list]:
    """Batches of ``cursor.fetchmany(size)``, fetched one ahead by a helper thread."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            while offer(rows := cursor.fetchmany(size)) and rows:
                pass
        except BaseException as error:  # noqa: BLE001 - raised again in the reading thread
            offer(error)

    worker = threading.Thread(target=fetch, name="ledger-fetch", daemon=True)
    worker.start()
    try:
        while True:
            rows = ready.get()
            if isinstance(rows, BaseException):
                raise rows
            if not rows:
                return
            yield rows
    finally:
        stop.set()
        worker.join()


def _at_text(at: Any) -> str:
    if isinstance(at, datetime):
        return format_at(at if at.tzinfo else at.replace(tzinfo=UTC))
    if at.endswith("Z") and len(at) == 27:
        return at  # already the hashed form
    # SQLite hands back the stored text; naive means UTC (bidhall.db.UTCDateTime)
    parsed = datetime.fromisoformat(at)
    return format_at(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _check_canonical(value: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        _check_text(value)
        return
    if isinstance(value, int):
        if not -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
            raise NotCanonical(
                f"ledger integers stay within ±(2**53 - 1), not {value}: "
                "send large numbers as decimal strings"
            )
        return
    if isinstance(value, float):
        raise NotCanonical("ledger payloads carry no floats: send amounts as decimal strings")
    if isinstance(value, list | tuple):
        for item in value:
            _check_canonical(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            # RFC 8785 sorts keys by UTF-16 code units; for ASCII that is Python's order
            if not isinstance(key, str) or not key.isascii():
                raise NotCanonical(f"ledger payload keys must be ASCII strings, not {key!r}")
            _check_canonical(item)
        return
    raise NotCanonical(f"ledger payloads carry JSON values only, not {type(value).__name__}")


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form (RFC 8785 refuses it too)
        raise NotCanonical("ledger strings must be valid Unicode: lone surrogate") from None


def export_range(session: Session, first: int, last: int) -> list[str]:
    """The exported lines (``export_line``) of entries ``first`` to ``last``, in seq order."""
    select_ = _SELECT_PG if session.get_bind().dialect.name == "postgresql" else _SELECT
    statement = text(select_.replace(" ORDER BY", " WHERE seq BETWEEN :first AND :last ORDER BY"))
    rows = session.execute(statement, {"first": first, "last": last}).all()
    return [export_line(tuple(row)) for row in rows]
