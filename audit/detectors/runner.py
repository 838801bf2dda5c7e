"""Running the detectors: online after each commit, and on the tick.

Online: a subscriber notes, inside the writer's unit, that the unit wrote ledger events; after
its commit (never inside the writer's transaction) ``process_new`` reads the ledger past the
detectors' cursor with each entry's tender and session (the ledger's index, written with the
entry: audit.ledger.index), runs the detectors its type triggers, raises their findings as
alerts and moves the cursor, in a unit of its own. A detector that fails is logged and
skipped: the bid, vote or score that triggered it is committed already and stays so, and the
other detectors still run.

One reader at a time holds the cursor (a row lock on PostgreSQL, ``SKIP LOCKED``: a busy reader
is not waited for; SQLite's write units are serialised anyway). A reader that finds the cursor
held returns at once, because the holder reads on until it finds nothing new, which includes
what was committed before the holder's last pass. The tick reads from the cursor too, so an
entry committed by a process that stopped before its online pass is read on the next tick.
Alerts are keyed by their condition, so nothing is raised twice.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from audit.alerts import services as alerts
from audit.alerts.models import DetectorCursor
from audit.detectors import base, reads
from audit.detectors.base import Detector, Fact, Finding, Severity
from audit.ledger import index
from audit.ledger.models import IndexedEvent, LedgerEntry
from bidhall import clock, config, events
from bidhall.db import db
from bidhall.events import Event

logger = logging.getLogger(__name__)

CURSOR = "detectors"
BATCH = 500
# a long reading collects the young objects after this many passes (entries: YOUNG_ENTRIES)
YOUNG_ENTRIES = 100_000
YOUNG_EVERY = YOUNG_ENTRIES // BATCH
LONG_BACKLOG = -1  # a pass's cursor after when it left a long backlog to worker processes
_busy = threading.local()  # set while this thread runs the detectors: their own events wait


def install() -> None:
    """Subscribe the online pass to every unit that writes ledger events, and load the
    detector modules (each registers its detectors when imported)."""
    from audit.detectors import load_all

    load_all()
    _histories.clear()  # a new application may read another database
    events.subscribe(_on_event)


def _on_event(session: Session, event: Event) -> None:
    if getattr(_busy, "active", False):
        return  # the detectors' own events (alert.raised): their running pass reads on
    if db.unit_local("audit.detectors.scheduled", lambda: [False])[0]:
        return
    db.unit_local("audit.detectors.scheduled", lambda: [False])[0] = True
    db.after_commit(process_new)


def process_new() -> int:
    """Read the ledger past the cursor until nothing is new; the number of entries read.
    Never raises: it runs after someone else's commit."""
    if getattr(_busy, "active", False):
        return 0
    _busy.active = True
    # the process's histories outlive the pass while the cursor stays where this process left
    # it; a second thread of this process reading at the same time keeps its own for the pass
    shared = _histories_lock.acquire(blocking=False)
    histories = _histories if shared else Histories()
    try:
        return _unswept(_read_on, histories)
    except Exception:
        histories.clear()  # what it holds may not have been committed
        logger.exception("the detectors' pass failed; the tick reads on from the cursor")
        return 0
    finally:
        _busy.active = False
        if shared:
            _histories_lock.release()


def _read_on(histories: Histories) -> int:
    from audit.detectors import shards

    total = passes = 0
    while True:
        # the first pass hands a long backlog to worker processes before screening any of it
        # (an online pass, whose batch is not full, never asks): the workers' histories then
        # begin where the ledger does, and need nothing from the database for a new subject
        asks = passes == 0 and shards.possible()
        read, upto = _pass(histories, shards.long_backlog if asks else None)
        passes += 1
        if upto == LONG_BACKLOG:
            total += shards.screen_backlog()
            continue
        total += read
        if read < BATCH and not _committed_after(upto):
            return total
        if passes % YOUNG_EVERY == 0:
            gc.collect(1)  # the cycles the passes left: the young generations only


def _unswept(function: Callable[..., Any], *arguments: Any) -> Any:
    """``function(*arguments)`` with the cyclic garbage collector paused: a pass makes a few
    dozen short-lived objects per entry, and the collections they set off would walk the
    long-lived histories again and again (a fifth of a re-screen's time). Reference counting
    still frees everything; what the pass leaves in cycles is collected after it."""
    if not gc.isenabled():
        return function(*arguments)
    gc.disable()
    try:
        return function(*arguments)
    finally:
        gc.enable()


def _committed_after(seq: int | None) -> bool:
    """Whether the ledger holds entries past ``seq``, which this pass read up to. On SQLite
    never: write units are serialised, so a writer that committed meanwhile runs its own pass
    next. On PostgreSQL another writer's pass may have found the cursor held and left: its
    entries are read here (a reader that found the cursor held, ``seq`` None, leaves them to
    the holder)."""
    if seq is None or db.dialect != "postgresql":
        return False
    with db.engine.connect() as connection:
        head = connection.execute(select(func.max(LedgerEntry.seq))).scalar()
    return head is not None and head > seq


def _pass(
    histories: Histories, long_backlog: Callable[[Session, int], bool] | None = None
) -> tuple[int, int | None]:
    """One unit: read up to BATCH entries past the cursor with their subjects from the ledger's
    index, then run the detectors entry by entry; how many entries, and the cursor after. A full
    batch that ``long_backlog`` says is the start of a backlog for worker processes is left
    unscreened: (0, LONG_BACKLOG)."""
    with db.transaction() as session:
        cursor = _hold_cursor(session)
        if cursor is None or leased(cursor):
            return 0, None  # the holder (or the lease's) reads on
        where = (id(session.get_bind()), cursor.seq)
        if histories.at != where or histories.kept != base.read_back():
            # another process read on from where this one left off (or a detector module
            # declared more types to read back): from here on, this one sees everything again
            histories.clear(begun=cursor.seq)
        histories.bind(session)
        rows = session.execute(
            select(
                *reads.FACT_COLUMNS,
                IndexedEvent.seq,
                IndexedEvent.tender_id,
                IndexedEvent.session_id,
            )
            .outerjoin(IndexedEvent, IndexedEvent.seq == LedgerEntry.seq)
            .where(LedgerEntry.seq > cursor.seq)
            .order_by(LedgerEntry.seq)
            .limit(BATCH)
        ).all()
        if long_backlog and len(rows) == BATCH and long_backlog(session, cursor.seq):
            return 0, LONG_BACKLOG
        facts = [reads.LedgerFact(*row[:5]) for row in rows]
        subjects = [(row[6], row[7]) for row in rows]
        unindexed = [i for i, row in enumerate(rows) if row[5] is None]
        if unindexed:
            subjects = _index(session, facts, subjects, unindexed)
        screen(session, facts, subjects, histories)
        if rows:
            cursor.seq = rows[-1][0]
        histories.at = (id(session.get_bind()), cursor.seq)
        return len(rows), cursor.seq


Keep = Callable[[int | None, Finding], None]


def screen(
    session: Session,
    facts: list[Fact],
    subjects: list[tuple[int | None, int | None]],
    histories: Histories,
    keep: Keep | None = None,
) -> None:
    """Run the detectors over ``facts`` (in ledger order, each with its tender and session):
    their findings raised as alerts, or given to ``keep`` with the seq that raised them."""
    reads_ = PassReads(session)
    for fact, (tender, session_id) in zip(facts, subjects, strict=True):
        if base.triggered_by(fact.type):
            reads_.expect(fact.type, tender_id=tender, session_id=session_id)
    kept = histories.kept
    for fact, (tender, session_id) in zip(facts, subjects, strict=True):
        if session_id is not None and fact.type == OPENED:
            histories.opened[session_id] = fact
        if fact.type in kept:
            if session_id is not None:
                histories.add("session", session_id, fact)
            if tender is not None:
                histories.add("tender", tender, fact)
        detectors = base.triggered_by(fact.type)
        if not detectors:
            continue
        scope = RunScope(
            session, fact.seq, fact.at, tender, session_id, None, histories, reads_, fact
        )
        for detector in detectors:
            _run(session, detector, fact, scope, keep)


def _index(
    session: Session,
    facts: list[Fact],
    subjects: list[tuple[int | None, int | None]],
    unindexed: list[int],
) -> list[tuple[int | None, int | None]]:
    """Index the entries appended before the index was kept with the chain (their rows
    missing), in this pass's unit; the subjects with theirs."""
    connection = session.connection()
    found = index.rows(
        connection, ((facts[i].seq, facts[i].type, facts[i].payload) for i in unindexed)
    )
    connection.execute(_index_insert(session), found)
    subjects = list(subjects)
    for i, row in zip(unindexed, found, strict=True):
        subjects[i] = (row["tender_id"], row["session_id"])
    return subjects


class Histories:
    """The facts of the subjects the readings have met, kept so that each session's or
    tender's past is read from the database at most once, not once per event: for one
    ``process_new``, and beyond it while the cursor stays where the last pass left it (``at``).
    Only the facts of the types some detector reads back (``base.reads_back``) are kept.

    From the cursor where they began (``begun``) they see every fact, so a subject first met
    after it needs from the database only its facts up to ``begun``: none when the reading
    began at the start of the ledger (a re-screen). Bounded: the least recently used subject is
    dropped, and read again whole if it is met again."""

    # subjects kept: more than a year's tenders and sessions under way at once (~10,000 at
    # 50,000 tenders a year), else a re-screen reads them again and again
    LIMIT = 20_000
    DROPPED_LIMIT = 100_000  # subjects dropped before the start is forgotten
    COMPUTED_LIMIT = 1000  # entries' derived values kept (a committee's sheets: 5-25)

    def __init__(self) -> None:
        self.session: Session | None = None
        # the database and the cursor after the last pass that fed these histories
        self.at: tuple[int, int] | None = None
        self.begun: int | None = None  # the cursor from which every fact was added
        self.kept = base.read_back()  # the event types the lists hold
        self.facts: OrderedDict[tuple[str, int], list[Fact]] = OrderedDict()
        self.partial: set[tuple[str, int]] = set()  # lists still without their facts <= begun
        self.dropped: set[tuple[str, int]] = set()
        self.opened: OrderedDict[int, Fact] = OrderedDict()  # session -> its opening fact
        # (seq, name) -> what a detector computed from that entry (scope.derived): a sheet a
        # committee's results compare is parsed once, not again at every resubmission
        self.computed: OrderedDict[tuple[int, str], Any] = OrderedDict()

    def bind(self, session: Session) -> None:
        self.session = session

    def clear(self, begun: int | None = None) -> None:
        self.facts.clear()
        self.partial.clear()
        self.dropped.clear()
        self.opened.clear()
        self.computed.clear()
        self.at = None
        self.begun = begun
        self.kept = base.read_back()

    def of(self, kind: str, key: int, upto: int | None) -> list[Fact]:
        subject = (kind, key)
        facts = self.facts.get(subject)
        if facts is None:
            if self.begun is not None and subject not in self.dropped:
                facts = self._load(subject, self.begun) if self.begun > 0 else []
            else:
                facts = self._load(subject, upto)
            self.dropped.discard(subject)
            self._keep(subject, facts)
        else:
            if subject in self.partial:
                facts[:0] = self._load(subject, self.begun)
                self.partial.discard(subject)
            self.facts.move_to_end(subject)
        if upto is None or not facts or facts[-1].seq <= upto:
            return facts  # read on in ledger order: the common case, without a copy
        return [f for f in facts if f.seq <= upto]

    def add(self, kind: str, key: int, fact: Fact) -> None:
        """A fact just indexed, in ledger order, of a kept type: its subject's list hears of
        it."""
        subject = (kind, key)
        facts = self.facts.get(subject)
        if facts is None:
            if self.begun is None or subject in self.dropped:
                return  # its past is read from the database when it is asked for
            if self.begun > 0:
                self.partial.add(subject)
            facts = []
            self._keep(subject, facts)
            if subject not in self.facts:
                return  # a list without its start, gone with the start (_forget_the_start)
        if not facts or facts[-1].seq < fact.seq:
            facts.append(fact)

    def _keep(self, subject: tuple[str, int], facts: list[Fact]) -> None:
        self.facts[subject] = facts
        if len(self.facts) > self.LIMIT:
            dropped, _ = self.facts.popitem(last=False)
            self.partial.discard(dropped)
            self.dropped.add(dropped)
            if len(self.dropped) > self.DROPPED_LIMIT:
                self._forget_the_start()

    def _forget_the_start(self) -> None:
        """Stop relying on ``begun`` (so that ``dropped`` stays bounded in a long-running
        process): the lists without their start go, the whole ones stay; a subject not kept is
        read whole from the database again."""
        for subject in self.partial:
            self.facts.pop(subject, None)
        self.partial.clear()
        self.dropped.clear()
        self.begun = None

    def _load(self, subject: tuple[str, int], upto: int | None) -> list[Fact]:
        kind, key = subject
        column = IndexedEvent.session_id if kind == "session" else IndexedEvent.tender_id
        query = select(IndexedEvent.seq).where(
            column == key, IndexedEvent.type.in_(sorted(self.kept))
        )
        if upto is not None:
            query = query.where(IndexedEvent.seq <= upto)
        return reads.facts(self.session, query)

    def derived(self, seq: int, name: str, compute: Callable[[], Any]) -> Any:
        key = (seq, name)
        if key in self.computed:
            self.computed.move_to_end(key)
            return self.computed[key]
        value = self.computed[key] = compute()
        if len(self.computed) > self.COMPUTED_LIMIT:
            self.computed.popitem(last=False)
        return value

    def session_opened(self, session_id: int) -> Fact | None:
        """The fact that opened the session (it names the tender and the venues)."""
        opened = self.opened.get(session_id)
        if opened is None:
            query = select(IndexedEvent.seq).where(
                IndexedEvent.session_id == session_id, IndexedEvent.type == OPENED
            )
            opened = next(iter(reads.facts(self.session, query)), None)
            if opened is None:
                return None
            self.opened[session_id] = opened
            if len(self.opened) > self.LIMIT:
                self.opened.popitem(last=False)
        return opened


_histories = Histories()  # the process's, for one thread at a time
_histories_lock = threading.Lock()
OPENED = index.OPENED


def _venue(fact: Fact, session_id: int | None, histories: Histories) -> int | None:
    """The venue a fact is about: its payload's own, else its session's main venue (the first
    its opening names)."""
    venue_id = index.ids(fact.payload)[2]
    if venue_id is None and session_id is not None:
        opened = histories.session_opened(session_id)
        if opened is not None:
            venues = opened.payload.get("venues") or []
            venue_id = index.integer(venues[0]) if venues else None
    return venue_id


_INDEX_INSERTS: dict[str, Any] = {}


def _index_insert(session: Session) -> Any:
    """The index's insert for the session's dialect, built once: a row already there is kept."""
    name = session.get_bind().dialect.name
    statement = _INDEX_INSERTS.get(name)
    if statement is None:
        dialect = postgresql if name == "postgresql" else sqlite
        statement = dialect.insert(IndexedEvent.__table__).on_conflict_do_nothing(
            index_elements=["seq"]
        )
        _INDEX_INSERTS[name] = statement
    return statement


def leased(cursor: DetectorCursor) -> bool:
    """Whether worker processes screen a backlog from the cursor (a lease not yet ended)."""
    return cursor.leased_until is not None and cursor.leased_until > clock.wall_now()


def _hold_cursor(session: Session) -> DetectorCursor | None:
    query = select(DetectorCursor).where(DetectorCursor.name == CURSOR)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    cursor = session.scalar(query)
    if cursor is not None:
        return cursor
    try:
        with session.begin_nested():
            session.execute(insert(DetectorCursor).values(name=CURSOR, seq=0))
    except IntegrityError:
        return None  # another reader made it this instant and holds it
    return session.scalar(query)


def _run(
    session: Session,
    detector: Detector,
    fact: Fact | None,
    scope: RunScope,
    keep: Keep | None = None,
) -> int:
    """Run one detector and raise what it finds (or give it to ``keep``); a failure is logged
    and leaves no trace."""
    try:
        found = list(detector.check(fact, scope) if fact is not None else detector.tick(scope))
    except Exception:
        logger.exception("detector %s failed on %s", detector.id, fact.seq if fact else "tick")
        return 0
    if keep is not None:
        for finding in found:
            keep(fact.seq if fact else None, finding)
        return len(found)
    raised = 0
    for finding in found:
        try:
            with db.savepoint():
                if alerts.raise_alert(session, finding, fact.seq if fact else None):
                    raised += 1
        except Exception:
            logger.exception(
                "detector %s: its finding %s was not recorded", detector.id, finding.key
            )
    return raised


def tick(now: datetime) -> dict[str, int]:
    """The scheduler's share: read what the online pass missed, then run the time-based
    detectors, each in a unit of its own."""
    read = process_new()
    raised = 0
    for detector in base.timed():
        try:
            with db.transaction() as session:
                _busy.active = True
                try:
                    raised += _run(session, detector, None, RunScope(session, None, now))
                finally:
                    _busy.active = False
        except Exception:
            logger.exception("the timed detector %s failed", detector.id)
    process_new()  # the tick's own alert events
    return {"read": read, "raised": raised}


class PassReads:
    """The read models of one pass (one unit), each read once however many entries and
    detectors ask for it. Sound because nothing a read model reads changes under the pass: it
    writes only the audit's own alerts, cursor and index (the index for the whole batch before
    any detector runs), and a read of the ledger up to an entry names that entry in its
    arguments (``up_to``). A read model with a batch form (``reads.read_many``) is read, the
    first time an entry asks, for every subject of the entries of that type in the pass: the
    same detectors run on them and will ask too."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.values: dict[Hashable, Any] = {}
        # event type -> key argument -> the subjects of the pass's entries of that type
        self.expected: dict[str, dict[str, set[int]]] = {}

    def expect(self, type: str, **subjects: int | None) -> None:
        """An entry of this type, about these subjects, will run its detectors in the pass."""
        expected = self.expected.setdefault(type, {})
        for by, key in subjects.items():
            if key is not None:
                expected.setdefault(by, set()).add(key)

    def read(self, name: str, arguments: dict[str, Any], type: str | None) -> Any:
        key = (name, repr(sorted(arguments.items())))
        if key in self.values:
            return self.values[key]
        many = reads.MANY.get(name)
        if many is not None and set(arguments) == {many[0]}:
            by, function = many
            wanted = {arguments[by]}
            for other in self.expected.get(type, {}).get(by, ()):
                if (name, repr([(by, other)])) not in self.values:
                    wanted.add(other)
            for each, value in function(self.session, sorted(wanted, key=repr)).items():
                self.values[(name, repr([(by, each)]))] = value
            return self.values[key]
        value = self.values[key] = reads.READS[name](self.session, **arguments)
        return value


class RunScope:
    """What a detector reads besides its fact: the subject's earlier facts, the settings, the
    read models of audit/detectors/reads.py."""

    def __init__(
        self,
        session: Session,
        seq: int | None,
        now: datetime,
        tender_id: int | None = None,
        session_id: int | None = None,
        venue_id: int | None = None,
        histories: Histories | None = None,
        reads: PassReads | None = None,
        fact: Fact | None = None,
    ) -> None:
        self.session = session
        self.histories = histories
        self.reads = reads if reads is not None else PassReads(session)
        # the fact's type: which entries of the pass a batched read serves too
        self.type = fact.type if fact is not None else None
        self.seq = seq
        self.now = now
        self.tender_id = tender_id
        self.session_id = session_id
        self._venue_id = venue_id
        self.fact = fact  # whose venue is read only if a finding names it
        self._memo: dict[Hashable, Any] = {}

    @property
    def venue_id(self) -> int | None:
        if self._venue_id is None and self.fact is not None:
            self._venue_id = _venue(self.fact, self.session_id, self.histories)
            self.fact = None
        return self._venue_id

    def history(self, *types: str) -> list[Fact]:
        if self.session_id is not None:
            return self._of("session", self.session_id, types)
        if self.tender_id is not None:
            return self._of("tender", self.tender_id, types)
        return []

    def tender_history(self, *types: str) -> list[Fact]:
        """The facts of the scope's tender (all its sessions included)."""
        if self.tender_id is None:
            return []
        return self._of("tender", self.tender_id, types)

    def _of(self, kind: str, key: int, types: tuple[str, ...]) -> list[Fact]:
        if self.histories is None:
            self.histories = Histories()
            self.histories.bind(self.session)
        wanted = set(types)
        if not wanted <= self.histories.kept:
            raise base.UndeclaredHistory(
                f"no detector module declared {sorted(wanted - self.histories.kept)} with "
                "base.reads_back: the subjects' histories do not keep them"
            )
        return [f for f in self.histories.of(kind, key, self.seq) if f.type in wanted]

    def setting(self, name: str) -> Any:
        value = config.setting(name)
        if value is None:
            value = config.DEFAULTS[name]
        return value

    def read(self, name: str, **arguments: Any) -> Any:
        """A read model, read once per pass however many entries and detectors ask for it."""
        return self.reads.read(name, arguments, self.type)

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def derived(self, fact: Fact, name: str, compute: Callable[[], Any]) -> Any:
        if self.histories is None:
            return self.memo(("derived", fact.seq, name), compute)
        return self.histories.derived(fact.seq, name, compute)

    def finding(
        self,
        detector: str,
        key: str,
        severity: Severity,
        summary: str,
        seqs: Iterable[int],
        **details: Any,
    ) -> Finding:
        subject = {
            "tender_id": self.tender_id,
            "session_id": self.session_id,
            "venue_id": self.venue_id,
        }
        subject.update({k: details.pop(k) for k in list(details) if k in subject})
        return Finding(
            detector,
            key,
            Severity(severity),
            summary,
            tuple(sorted(set(seqs))),
            **subject,
            **details,
        )
