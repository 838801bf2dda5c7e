"""A long backlog of the ledger screened by worker processes, each a share of the tenders.

When the detectors' cursor is ``AUDIT_SHARDED_FROM`` entries or more behind the ledger's head (a
re-screen from the start, a long outage), one process leases the cursor and hands the backlog to
``AUDIT_WORKERS`` processes. Each reads the entries of its share of the tenders (``tender_id``
modulo the number of workers; the entries about no tender go to the first) and runs the
detectors over them as the reading process would: everything a detector reads is its subject's
history (a session's facts are its tender's), the read models (which read the ledger up to the
entry they screen) and the settings. The workers only find; the leasing process then raises
every finding in ledger order, in units that move the cursor as they go, so that the alerts and
their ``alert.raised`` entries are those one process reading the backlog would have made.

While the lease lasts, no other pass reads on from the cursor (it would read the same backlog
again); a lease left by a process that stopped ends after ``LEASE`` and the backlog is read
from wherever the cursor was left. Anything that goes wrong in the workers leaves the backlog to
the reading process, which reads it alone. Only for a database other processes can open (not an
in-memory SQLite), and not in a process gevent patched (``bidhall serve``: its tick reads a
backlog alone; the CLI, the threading server and the benchmark use the workers)."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from audit.alerts import services as alerts
from audit.alerts.models import DetectorCursor
from audit.detectors import reads, runner
from audit.detectors.base import Finding
from audit.ledger.models import IndexedEvent, LedgerEntry
from bidhall import clock, config
from bidhall.db import db

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=30)  # longer than a year's backlog takes on two cores
CHUNK = 5000  # entries a worker reads at a time
YOUNG_CHUNKS = runner.YOUNG_ENTRIES // CHUNK
RAISE_UNIT = 500  # findings raised in one unit


def screen_backlog() -> int:
    """Screen the backlog past the cursor in worker processes if it is long enough; the number
    of entries screened (0: left to the reading process)."""
    if not possible():
        return 0
    lease = _lease(_sharded_from())
    if lease is None:
        return 0
    first, last = lease
    workers = int(config.setting("AUDIT_WORKERS", 1))
    try:
        found, failures = _find(first, last, workers)
    except Exception:
        logger.exception("the workers' screening of entries %s-%s failed: read alone", first, last)
        _end_lease()
        return 0
    for detector, seq, trace in failures:
        logger.error("detector %s failed on %s (in a worker)\n%s", detector, seq, trace)
    _raise(found, first, last)
    return last - first


def possible() -> bool:
    """Whether this process may hand a backlog to worker processes."""
    workers = int(config.setting("AUDIT_WORKERS", 1))
    return workers >= 2 and db.engine is not None and not _in_memory() and not _patched()


def long_backlog(session: Session, seq: int) -> bool:
    """Whether the ledger's head is far enough past ``seq`` for worker processes."""
    head = session.scalar(select(func.max(LedgerEntry.seq))) or 0
    return head - seq >= _sharded_from()


def _sharded_from() -> int:
    return int(config.setting("AUDIT_SHARDED_FROM", 100_000))


def _patched() -> bool:
    """Whether gevent patched this process (``bidhall serve``): a process pool's threads and
    pipes are not for greenlets, so the server's tick reads a backlog alone."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def _in_memory() -> bool:
    url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _lease(sharded_from: int) -> tuple[int, int] | None:
    """Lease the cursor for the backlog past it, if it is long enough and fully indexed."""
    with db.transaction() as session:
        cursor = runner._hold_cursor(session)
        if cursor is None or runner.leased(cursor):
            return None
        first = cursor.seq
        last = session.scalar(select(func.max(LedgerEntry.seq))) or 0
        if last - first < sharded_from:
            return None
        indexed = session.scalar(
            select(func.count()).where(IndexedEvent.seq > first, IndexedEvent.seq <= last)
        )
        if indexed != last - first:
            return None  # entries from before the index was kept: the reading pass indexes them
        cursor.leased_until = clock.wall_now() + LEASE
        return first, last


def _end_lease() -> None:
    with db.transaction() as session:
        cursor = _cursor(session)
        if cursor is not None:
            cursor.leased_until = None


def _cursor(session: Session) -> DetectorCursor | None:
    """The cursor, waiting for a pass that holds it to end (SQLite's units are serialised)."""
    return session.scalar(
        select(DetectorCursor).where(DetectorCursor.name == runner.CURSOR).with_for_update()
    )


def _find(first: int, last: int, workers: int) -> tuple[list[tuple[int, Finding]], list]:
    """Every finding on entries ``first`` < seq <= ``last``, in ledger order, with its seq."""
    settings = _picklable(config.current())
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")  # never fork a process running threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_shard, settings, url, first, last, shard, workers)
            for shard in range(workers)
        ]
        results = [future.result() for future in futures]
    found = sorted(
        (seq, order, finding)
        for kept, _ in results
        for seq, order, finding in kept  # (seq, order) is unique: an entry is in one share
    )
    failures = [failure for _, failed in results for failure in failed]
    return [(seq, finding) for seq, _, finding in found], failures


def _raise(found: list[tuple[int, Finding]], first: int, last: int) -> None:
    """Raise the findings in ledger order, a unit at a time, each moving the cursor past the
    entries whose findings it raised; the last one moves it to ``last`` and ends the lease."""
    units = _units(found)
    at = first
    for number, unit in enumerate(units, start=1):
        with db.transaction() as session:
            cursor = _cursor(session)
            if cursor is None or cursor.seq != at:
                return  # the lease ended and another pass read on: its findings are its own
            alerts.raise_alerts(session, unit)
            if number == len(units):
                cursor.seq, cursor.leased_until = last, None
            else:
                cursor.seq = at = unit[-1][0]


def _units(found: list[tuple[int, Finding]]) -> list[list[tuple[int, Finding]]]:
    """The findings in units of about RAISE_UNIT, never splitting one entry's; the last unit
    (maybe empty) is the one that ends the lease."""
    units: list[list[tuple[int, Finding]]] = [[]]
    for number, (seq, finding) in enumerate(found):
        units[-1].append((seq, finding))
        entry_ends = number + 1 == len(found) or found[number + 1][0] != seq
        if len(units[-1]) >= RAISE_UNIT and entry_ends:
            units.append([])
    return units


def _picklable(settings: Any) -> dict[str, Any]:
    kept = {}
    for name, value in settings.items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        kept[name] = value
    return kept


def _shard(
    settings: dict[str, Any], url: str, first: int, last: int, shard: int, shards: int
) -> tuple[list[tuple[int, int, Finding]], list[tuple[str, Any, str]]]:
    """In a worker process: the findings on the share ``shard`` of the tenders, each as (seq,
    order within the share, finding), and the detectors' failures."""
    from audit.detectors import load_all

    config.install(settings)
    db.configure(url)
    load_all()
    failures = _Failures()
    logging.getLogger(runner.__name__).addHandler(failures)
    kept: list[tuple[int, int, Finding]] = []

    def keep(seq: int | None, finding: Finding) -> None:
        kept.append((seq, len(kept), finding))

    share = IndexedEvent.tender_id % shards == shard
    if shard == 0:
        share = or_(share, IndexedEvent.tender_id.is_(None))
    histories = runner.Histories()
    histories.clear(begun=first)  # every fact of the share from here on is added as read
    session = db.session()  # a read snapshot: a worker only reads, and never waits for writers
    try:
        histories.bind(session)
        runner._unswept(_read_share, session, first, last, share, histories, keep)
    finally:
        session.rollback()
        db.dispose()
    return kept, failures.seen


def _read_share(
    session: Session,
    first: int,
    last: int,
    share: Any,
    histories: runner.Histories,
    keep: runner.Keep,
) -> None:
    at, chunks = first, 0
    while at < last:
        rows = session.execute(
            select(
                *reads.FACT_COLUMNS,
                IndexedEvent.tender_id,
                IndexedEvent.session_id,
            )
            .join(IndexedEvent, IndexedEvent.seq == LedgerEntry.seq)
            .where(LedgerEntry.seq > at, LedgerEntry.seq <= last, share)
            .order_by(LedgerEntry.seq)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        facts = [reads.LedgerFact(*row[:5]) for row in rows]
        runner.screen(session, facts, [(row[5], row[6]) for row in rows], histories, keep)
        at = rows[-1][0]
        chunks += 1
        if chunks % YOUNG_CHUNKS == 0:
            gc.collect(1)  # the cycles the chunks left: the young generations only


class _Failures(logging.Handler):
    """The detectors' failures in a worker, for the leasing process to log."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[tuple[str, Any, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("detector %s failed") and record.args:
            detector, seq = record.args[0], record.args[1]
            trace = self.format(record) if record.exc_info else record.getMessage()
            self.seen.append((str(detector), seq, trace))
