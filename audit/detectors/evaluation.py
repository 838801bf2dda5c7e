"""The evaluation's key nodes, as the centres' early-warning systems watch them (DOMAIN.md §5):
the start against the draw's schedule, the review's length against its size, one member's
scoring time against the committee's, suspension and termination, running past the time plan,
and the bids the review vetoed. Read from the session's events (docs/evaluation.md), the
opening's read-out prices (docs/opening.md), the tender's objections and, for what has not
happened yet (a session not opened, a session not closed), the draws and sessions themselves.

What the review spans (``eval.too_short``): from the session's first
``evaluation.stage_changed {"stage": "review"}`` (posted with ``evaluation.leader_elected``, in
the same unit) to ``evaluation.review_closed``, less the time the session was suspended in
between (each ``session_suspended`` to the next ``session_resumed``: nothing is marked or voted
while suspended). Its size is the number of bids it decided: ``passed`` plus ``vetoed``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from audit.detectors import fences, reads
from audit.detectors.base import Fact, Finding, Scope, Severity, detector, reads_back, tick_detector
from audit.detectors.reads import read, read_many
from audit.ledger.models import IndexedEvent, LedgerEntry
from evaluation.draws.models import ExpertDraw
from evaluation.sessions.models import EvaluationSession
from trading.opening.models import Opening
from trading.tenders.models import Tender, TenderState

OPENED = "evaluation.session_opened"
ELECTED = "evaluation.leader_elected"
STAGE = "evaluation.stage_changed"
REVIEW_CLOSED = "evaluation.review_closed"
SCORE = "score.submitted"  # the ledger's own: each member's sheet and its scoring time
SCORES_SUBMITTED = "evaluation.scores_submitted"
SUSPENDED = "evaluation.session_suspended"
RESUMED = "evaluation.session_resumed"
TERMINATED = "evaluation.session_terminated"
EXTENDED = "evaluation.session_extended"
CORRECTED = "evaluation.correction_confirmed"
DRAW_COMMITTED = "draw.committed"  # its signed commitment fixes the scheduled start
READ_OUT = "hall.read_out"
OBJECTION_RAISED, OBJECTION_ANSWERED = "tender.objection_raised", "tender.objection_answered"
HALL_OBJECTION, HALL_ANSWER = "hall.objection", "hall.answer"
reads_back(
    DRAW_COMMITTED,
    STAGE,
    ELECTED,
    SUSPENDED,
    RESUMED,
    SCORE,
    READ_OUT,
    CORRECTED,
    OBJECTION_RAISED,
    OBJECTION_ANSWERED,
    HALL_OBJECTION,
    HALL_ANSWER,
)


# --- reads ---------------------------------------------------------------------------------------


def ledger_facts(
    session: Session,
    types: Iterable[str],
    *,
    session_ids: Iterable[int] | None = None,
    tender_id: int | None = None,
) -> list[Fact]:
    """The indexed ledger facts of these types, of these sessions or of this tender, in order."""
    seqs = select(IndexedEvent.seq).where(IndexedEvent.type.in_(list(types)))
    if session_ids is not None:
        seqs = seqs.where(IndexedEvent.session_id.in_(list(session_ids)))
    if tender_id is not None:
        seqs = seqs.where(IndexedEvent.tender_id == tender_id)
    return reads.facts(session, seqs)


@read("evaluation.unopened_draws")
def unopened_draws(session: Session, *, scheduled_before: datetime) -> list[dict[str, Any]]:
    """The committees scheduled to start before that moment whose tender has no evaluation
    session yet (a failed or terminated tender is evaluated by nobody: left out)."""
    rows = session.execute(
        select(ExpertDraw.id, ExpertDraw.tender_id, ExpertDraw.scheduled_at, ExpertDraw.venues)
        .join(Tender, Tender.id == ExpertDraw.tender_id)
        .where(
            ExpertDraw.scheduled_at <= scheduled_before,
            Tender.state.not_in((TenderState.FAILED, TenderState.TERMINATED)),
            ~exists().where(EvaluationSession.tender_id == ExpertDraw.tender_id),
        )
        .order_by(ExpertDraw.id)
    ).all()
    found = []
    for draw_id, tender_id, scheduled_at, venues in rows:
        committed = ledger_facts(session, (DRAW_COMMITTED,), tender_id=tender_id)
        main = next((v for v in venues or [] if v.get("role") == "main"), None)
        found.append(
            {
                "draw_id": draw_id,
                "tender_id": tender_id,
                "scheduled_at": scheduled_at,
                "venue_id": main["venue_id"] if main else None,
                "seqs": [f.seq for f in committed if f.payload.get("draw_id") == draw_id],
            }
        )
    return found


@read("evaluation.overrunning_sessions")
def overrunning_sessions(session: Session, *, now: datetime) -> list[dict[str, Any]]:
    """The sessions not closed (open or suspended) whose planned end, extensions included, is
    before ``now``, with the ledger facts that set it."""
    rows = session.execute(
        select(
            EvaluationSession.id,
            EvaluationSession.tender_id,
            EvaluationSession.state,
            EvaluationSession.ends_at,
            EvaluationSession.planned_minutes,
            EvaluationSession.extended_minutes,
        )
        .where(EvaluationSession.closed_at.is_(None), EvaluationSession.ends_at < now)
        .order_by(EvaluationSession.id)
    ).all()
    facts = ledger_facts(session, (OPENED, EXTENDED), session_ids=[row[0] for row in rows])
    found = []
    for session_id, tender_id, state, ends_at, planned, extended in rows:
        mine = [f for f in facts if f.payload.get("session_id") == session_id]
        venues = next((f.payload.get("venues") for f in mine if f.type == OPENED), None) or []
        found.append(
            {
                "session_id": session_id,
                "tender_id": tender_id,
                "venue_id": venues[0] if venues else None,
                "state": state,
                "ends_at": ends_at,
                "planned_minutes": planned,
                "extended_minutes": extended,
                "seqs": [f.seq for f in mine],
            }
        )
    return found


@read_many("evaluation.tender", by="tender_id")
def tender_facts(session: Session, tender_ids: Sequence[int]) -> dict[int, dict[str, Any] | None]:
    """What the rejection screens need of each tender: its method, what makes tenders comparable
    (category and rule set), who organises it (its agency, else the tenderer itself) and the
    opening's read order (``hall.read_out``'s ``bid_no`` n is its n-th bid id); None for a
    tender not found."""
    found: dict[int, dict[str, Any] | None] = {tender_id: None for tender_id in tender_ids}
    for tender_id, method, category, rule_set, agency_id, tenderer_id in session.execute(
        select(
            Tender.id,
            Tender.method,
            Tender.category,
            Tender.rule_set,
            Tender.agency_id,
            Tender.tenderer_id,
        ).where(Tender.id.in_(list(found)))
    ):
        found[tender_id] = {
            "method": method,
            "category": category,
            "rule_set": rule_set,
            "organiser_id": agency_id or tenderer_id,
            "read_order": [],
        }
    known = [tender_id for tender_id, tender in found.items() if tender is not None]
    if known:
        for tender_id, order in session.execute(
            select(Opening.tender_id, Opening.read_order).where(Opening.tender_id.in_(known))
        ):
            found[tender_id]["read_order"] = list(order or [])
    return found


@read("evaluation.rejection_rates")
def rejection_rates(session: Session, *, category: str, rule_set: str) -> list[dict[str, Any]]:
    """Every review closed on a tender of this category and rule set, in ledger order: the
    tender, its organiser and how many of the bids the review decided were vetoed. The reader
    keeps each tender's last review before the entry it screens: read once for a pass, this
    holds reviews after some of its entries (and, in a re-screen, the whole ledger's)."""
    rows = session.execute(
        select(IndexedEvent.seq, Tender.id, Tender.agency_id, Tender.tenderer_id)
        .join(Tender, Tender.id == IndexedEvent.tender_id)
        .where(
            IndexedEvent.type == REVIEW_CLOSED,
            Tender.category == category,
            Tender.rule_set == rule_set,
        )
        .order_by(IndexedEvent.seq)
    ).all()
    payloads = dict(
        session.execute(
            select(LedgerEntry.seq, LedgerEntry.payload).where(
                LedgerEntry.seq.in_([row[0] for row in rows])
            )
        ).all()
    )
    reviews = []
    for seq, tender_id, agency_id, tenderer_id in rows:
        payload = json.loads(payloads[seq])
        vetoed = len(payload.get("vetoed") or [])
        reviews.append(
            {
                "tender_id": tender_id,
                "organiser_id": agency_id or tenderer_id,
                "vetoed": vetoed,
                "bids": vetoed + len(payload.get("passed") or []),
                "seq": seq,
            }
        )
    return reviews


# --- eval.start_late -----------------------------------------------------------------------------

START_LATE_BASIS = (
    "centres' practice (key node: evaluation start): the committee starts at the time its "
    "draw scheduled"
)


@detector("eval.start_late", basis=START_LATE_BASIS, on=(OPENED,))
def start_late(fact: Fact, scope: Scope) -> Iterator[Finding]:
    payload = fact.payload
    venues = payload.get("venues") or []
    committed = scope.tender_history(DRAW_COMMITTED)
    yield from _start_late(
        scope,
        tender_id=scope.tender_id,
        session_id=scope.session_id,
        venue_id=venues[0] if venues else scope.venue_id,
        scheduled_at=payload.get("scheduled_at"),
        late=int(payload.get("late_minutes") or 0),
        opened_at=payload.get("opened_at"),
        seqs=[fact.seq, *(f.seq for f in committed)],
    )


@tick_detector("eval.start_late", basis=START_LATE_BASIS)
def start_late_unopened(scope: Scope) -> Iterator[Finding]:
    yellow = int(scope.setting("AUDIT_START_LATE_YELLOW_MINUTES"))
    due = scope.read(
        "evaluation.unopened_draws", scheduled_before=scope.now - timedelta(minutes=yellow)
    )
    for draw in due:
        late = int((scope.now - draw["scheduled_at"]).total_seconds() // 60)
        yield from _start_late(
            scope,
            tender_id=draw["tender_id"],
            session_id=None,
            venue_id=draw["venue_id"],
            scheduled_at=draw["scheduled_at"].isoformat(),
            late=late,
            opened_at=None,
            seqs=draw["seqs"],
        )


def _start_late(
    scope: Scope,
    *,
    tender_id: int | None,
    session_id: int | None,
    venue_id: int | None,
    scheduled_at: str | None,
    late: int,
    opened_at: str | None,
    seqs: list[int],
) -> Iterator[Finding]:
    """A yellow card from the yellow limit on, and a red one from the red limit on: each its own
    condition (the tick's card and the opening's are the same one)."""
    limits = (
        (Severity.YELLOW, int(scope.setting("AUDIT_START_LATE_YELLOW_MINUTES"))),
        (Severity.RED, int(scope.setting("AUDIT_START_LATE_RED_MINUTES"))),
    )
    for severity, limit in limits:
        if late < limit:
            continue
        if opened_at is None:
            summary = (
                f"the evaluation of tender {tender_id} scheduled for {scheduled_at} has not "
                f"started {late} minutes later ({severity} from {limit} minutes)"
            )
        else:
            summary = (
                f"the evaluation session opened at {opened_at}, {late} minutes after its "
                f"scheduled start at {scheduled_at} ({severity} from {limit} minutes)"
            )
        yield scope.finding(
            "eval.start_late",
            f"tender:{tender_id}:{severity}",
            severity,
            summary,
            seqs,
            figures={
                "scheduled_at": scheduled_at,
                "opened_at": opened_at,
                "late_minutes": late,
            },
            threshold={"kind": "fixed", "rule": "minutes late >= limit", "minutes": limit},
            subject=f"tender {tender_id}",
            tender_id=tender_id,
            session_id=session_id,
            venue_id=venue_id,
        )


# --- eval.too_short ------------------------------------------------------------------------------


@detector(
    "eval.too_short",
    basis="Regs Art 48: the evaluation's time fits the project's size; centres' minimum per bid",
    on=(REVIEW_CLOSED,),
)
def too_short(fact: Fact, scope: Scope) -> Iterator[Finding]:
    started = next((f for f in scope.history(STAGE) if f.payload.get("stage") == "review"), None)
    if started is None:
        return
    elected = [f for f in scope.history(ELECTED) if f.seq <= started.seq][-1:]
    paused, pauses = _suspended_between(scope.history(SUSPENDED, RESUMED), started, fact)
    seconds = (fact.at - started.at - paused).total_seconds()
    bids = len(fact.payload.get("passed") or []) + len(fact.payload.get("vetoed") or [])
    base = int(scope.setting("AUDIT_REVIEW_BASE_MINUTES"))
    per_bid = int(scope.setting("AUDIT_REVIEW_MINUTES_PER_BID"))
    red_share = Decimal(str(scope.setting("AUDIT_REVIEW_RED_SHARE")))
    minimum = base + per_bid * bids
    if Decimal(str(seconds)) >= minimum * 60:
        return
    red = Decimal(str(seconds)) < minimum * 60 * red_share
    severity = Severity.RED if red else Severity.YELLOW
    minutes = (Decimal(str(seconds)) / 60).quantize(Decimal("0.1"))
    yield scope.finding(
        "eval.too_short",
        f"session:{scope.session_id}:review",
        severity,
        f"the review of {bids} bids took {minutes} minutes"
        + (f" ({_minutes(paused)} suspended not counted)" if pauses else "")
        + f", under the minimum of {minimum} minutes ({base} + {per_bid} per bid)"
        + (f" and under {red_share} of it" if red else ""),
        [*(f.seq for f in elected), started.seq, *(f.seq for f in pauses), fact.seq],
        figures={
            "bids": bids,
            "started_at": started.at.isoformat(),
            "closed_at": fact.at.isoformat(),
            "suspended_minutes": _minutes(paused),
            "minutes": str(minutes),
            "minimum_minutes": minimum,
        },
        threshold={
            "kind": "fixed",
            "rule": "minutes < base + per_bid * bids; red below red_share of it",
            "base": base,
            "per_bid": per_bid,
            "red_share": str(red_share),
        },
        subject=f"session {scope.session_id}",
    )


def _suspended_between(facts: list[Fact], start: Fact, end: Fact) -> tuple[timedelta, list[Fact]]:
    """The time suspended between two facts, and the suspensions and resumptions counted."""
    paused, counted, since = timedelta(0), [], None
    for f in facts:
        if f.seq >= end.seq:
            break
        if f.type == SUSPENDED and since is None:
            since = f
        elif f.type == RESUMED and since is not None:
            if f.seq > start.seq:
                paused += f.at - max(since.at, start.at)
                counted += [since, f]
            since = None
    return paused, counted


def _minutes(delta: timedelta) -> str:
    return str((Decimal(str(delta.total_seconds())) / 60).quantize(Decimal("0.1")))


# --- eval.expert_too_fast ------------------------------------------------------------------------


@detector(
    "eval.expert_too_fast",
    basis="Regs Art 49: each member reviews and scores every bid itself; centres' practice",
    on=(SCORES_SUBMITTED,),
)
def expert_too_fast(fact: Fact, scope: Scope) -> Iterator[Finding]:
    submitted, members = fact.payload.get("submitted", 0), fact.payload.get("members", 0)
    if not members or submitted < members:
        return
    first: dict[int, Fact] = {}
    for f in scope.history(SCORE):
        if f.payload.get("submission") == 1:
            first[f.payload["seat"]] = f  # the latest first sheet of a seat: a replacement's
    if len(first) < 2:
        return
    seconds = {seat: int(f.payload.get("seconds") or 0) for seat, f in first.items()}
    median = fences.quantile(seconds.values(), Decimal("0.5"))
    if median <= 0:
        return  # nobody kept a draft: no time to compare
    share = Decimal(str(scope.setting("AUDIT_EXPERT_TOO_FAST_SHARE")))
    limit = share * median
    for seat, took in sorted(seconds.items()):
        if took >= limit:
            continue
        yield scope.finding(
            "eval.expert_too_fast",
            f"session:{scope.session_id}:seat:{seat}",
            Severity.YELLOW,
            f"seat {seat} scored its whole sheet in {took} seconds, under {share} of the "
            f"committee's median of {median} seconds",
            [*(f.seq for f in first.values()), fact.seq],
            figures={
                "seat": seat,
                "seconds": took,
                "median_seconds": fences.text(median),
                "members_seconds": {str(s): v for s, v in sorted(seconds.items())},
            },
            threshold={
                "kind": "fixed",
                "rule": "seconds < share * the committee's median",
                "share": str(share),
                "limit_seconds": fences.text(limit),
            },
            subject=f"seat {seat}",
        )


# --- eval.suspended, eval.terminated -------------------------------------------------------------


@detector(
    "eval.suspended",
    basis="centres' practice (key node): a suspended evaluation is reported to supervision",
    on=(SUSPENDED,),
)
def suspended(fact: Fact, scope: Scope) -> Iterator[Finding]:
    yield _key_node(fact, scope, "eval.suspended", f"suspended:{fact.seq}", "suspension")


@detector(
    "eval.terminated",
    basis="centres' practice (key node: termination): a terminated evaluation is reported",
    on=(TERMINATED,),
)
def terminated(fact: Fact, scope: Scope) -> Iterator[Finding]:
    yield _key_node(fact, scope, "eval.terminated", "terminated", "termination")


def _key_node(fact: Fact, scope: Scope, detector_id: str, key: str, node: str) -> Finding:
    """A key node reported as it happens: who, when and the reason they gave."""
    reason = fact.payload.get("reason")
    done = {"suspension": "suspended", "termination": "terminated"}[node]
    return scope.finding(
        detector_id,
        f"session:{scope.session_id}:{key}",
        Severity.RED if node == "termination" else Severity.YELLOW,
        f"the evaluation session was {done} by {fact.actor}: {reason}",
        [fact.seq],
        figures={"reason": reason, "by": fact.actor, "at": fact.at.isoformat()},
        threshold={"kind": "fixed", "rule": f"any {node}"},
        subject=f"session {scope.session_id}",
    )


# --- eval.overtime -------------------------------------------------------------------------------


@tick_detector(
    "eval.overtime",
    basis="Regs Art 48: the time is extended only when more than a third find it insufficient",
)
def overtime(scope: Scope) -> Iterator[Finding]:
    for running in scope.read("evaluation.overrunning_sessions", now=scope.now):
        ends_at: datetime = running["ends_at"]
        over = int((scope.now - ends_at).total_seconds() // 60)
        extended = running["extended_minutes"]
        yield scope.finding(
            "eval.overtime",
            f"session:{running['session_id']}:ends_at:{ends_at.isoformat()}",
            Severity.YELLOW,
            f"the evaluation session is still {running['state']} {over} minutes past its planned "
            f"end at {ends_at.isoformat()} ({running['planned_minutes']} minutes planned, "
            f"{extended} extended on the record)",
            running["seqs"],
            figures={
                "ends_at": ends_at.isoformat(),
                "minutes_over": over,
                "planned_minutes": running["planned_minutes"],
                "extended_minutes": extended,
                "state": running["state"],
            },
            threshold={"kind": "fixed", "rule": "not closed after ends_at (with extensions)"},
            subject=f"session {running['session_id']}",
            tender_id=running["tender_id"],
            session_id=running["session_id"],
            venue_id=running["venue_id"],
        )


# --- eval.rejections -----------------------------------------------------------------------------


@detector(
    "eval.rejections",
    basis="Regs Art 51: vetoes for listed reasons only; Regs Art 60-62: complaints pending",
    on=(REVIEW_CLOSED,),
)
def rejections(fact: Fact, scope: Scope) -> Iterator[Finding]:
    vetoed = [v for v in fact.payload.get("vetoed") or [] if isinstance(v, dict)]
    if not vetoed:
        return
    tender = scope.read("evaluation.tender", tender_id=scope.tender_id) or {}
    yield from _many_vetoed(fact, scope, vetoed)
    if tender.get("method") == "lowest_price":
        yield from _lowest_vetoed(fact, scope, vetoed, tender)
    yield from _vetoed_while_objection_pending(fact, scope, vetoed)
    if tender:
        yield from _organiser_above_fence(fact, scope, vetoed, tender)


def _bids(vetoed: list[dict]) -> str:
    return ", ".join(str(v.get("bid_id")) for v in vetoed)


def _many_vetoed(fact: Fact, scope: Scope, vetoed: list[dict]) -> Iterator[Finding]:
    least = int(scope.setting("AUDIT_REJECTIONS_MIN"))
    if len(vetoed) < least:
        return
    bids = len(vetoed) + len(fact.payload.get("passed") or [])
    yield scope.finding(
        "eval.rejections",
        f"tender:{scope.tender_id}:vetoed",
        Severity.YELLOW,
        f"the review vetoed {len(vetoed)} of {bids} bids (bids {_bids(vetoed)}), {least} or more",
        [fact.seq],
        figures={
            "vetoed": vetoed,
            "bids": bids,
            "passed": fact.payload.get("passed") or [],
        },
        threshold={"kind": "fixed", "rule": "bids vetoed >= least", "least": least},
        subject=f"bids {_bids(vetoed)}",
    )


def _price(items: list) -> Decimal | None:
    for item in items or []:
        if isinstance(item, list) and len(item) == 2 and item[0] == "price":
            try:
                return Decimal(str(item[1]))
            except InvalidOperation:
                return None
    return None


def _lowest_vetoed(fact: Fact, scope: Scope, vetoed: list[dict], tender: dict) -> Iterator[Finding]:
    """Under the lowest-price method, the lowest price of a lot vetoed (as read out, or as the
    committee corrected it)."""
    reviewed = {v.get("bid_id") for v in vetoed} | set(fact.payload.get("passed") or [])
    order = tender.get("read_order") or []
    prices: dict[int, tuple[int, Decimal, int]] = {}  # bid -> (lot, price, the fact's seq)
    for read_out in scope.tender_history(READ_OUT):
        number = read_out.payload.get("bid_no")
        price = _price(read_out.payload.get("items"))
        if not isinstance(number, int) or not 1 <= number <= len(order) or price is None:
            continue
        if order[number - 1] in reviewed:
            prices[order[number - 1]] = (read_out.payload.get("lot"), price, read_out.seq)
    for corrected in scope.history(CORRECTED):
        bid_id = corrected.payload.get("bid_id")
        if bid_id in prices:
            lot, _, _ = prices[bid_id]
            prices[bid_id] = (lot, Decimal(str(corrected.payload["corrected"])), corrected.seq)
    by_id = {v.get("bid_id"): v for v in vetoed}
    for lot in sorted({lot for lot, _, _ in prices.values()}, key=str):
        in_lot = {bid: (price, seq) for bid, (at, price, seq) in prices.items() if at == lot}
        lowest = min(price for price, _ in in_lot.values())
        hit = sorted(bid for bid, (price, _) in in_lot.items() if price == lowest and bid in by_id)
        if not hit:
            continue
        yield scope.finding(
            "eval.rejections",
            f"tender:{scope.tender_id}:lowest:lot:{lot}",
            Severity.RED,
            f"under the lowest-price method the review vetoed lot {lot}'s lowest bid "
            f"({', '.join(map(str, hit))} at {lowest}): "
            + "; ".join(f"bid {b} for {by_id[b].get('reason')}" for b in hit),
            [fact.seq, *(seq for _, seq in in_lot.values())],
            figures={
                "lot": lot,
                "lowest": str(lowest),
                "prices": {str(b): str(p) for b, (p, _) in sorted(in_lot.items())},
                "vetoed": [by_id[b] for b in hit],
            },
            threshold={"kind": "fixed", "rule": "lowest_price method: the lowest bid vetoed"},
            subject=f"bid {', '.join(map(str, hit))}",
        )


def _vetoed_while_objection_pending(
    fact: Fact, scope: Scope, vetoed: list[dict]
) -> Iterator[Finding]:
    """Objections to the documents (Regs Art 22) and to the opening (Regs Art 44) raised and not
    answered on the record when the review closed. The platform has no complaint (投诉) record
    yet: once it has, its pending complaints belong here too."""
    history = scope.tender_history(
        OBJECTION_RAISED, OBJECTION_ANSWERED, HALL_OBJECTION, HALL_ANSWER
    )
    pending: dict[tuple[str, Any], Fact] = {}
    for f in history:
        if f.type == OBJECTION_RAISED:
            pending[("documents", f.payload.get("objection_id"))] = f
        elif f.type == OBJECTION_ANSWERED:
            pending.pop(("documents", f.payload.get("objection_id")), None)
        elif f.type == HALL_OBJECTION:
            pending[("opening", f.payload.get("number"))] = f
        elif f.type == HALL_ANSWER:
            pending.pop(("opening", f.payload.get("number")), None)
    if not pending:
        return
    named = [f"{kind} objection {ident}" for kind, ident in pending]
    yield scope.finding(
        "eval.rejections",
        f"tender:{scope.tender_id}:vetoed_while_pending",
        Severity.RED,
        f"the review vetoed bids {_bids(vetoed)} while {', '.join(named)} awaited an answer",
        [fact.seq, *(f.seq for f in pending.values())],
        figures={
            "vetoed": vetoed,
            "pending": [{"kind": kind, "id": ident} for kind, ident in pending],
        },
        threshold={"kind": "fixed", "rule": "a veto while an objection or complaint is pending"},
        subject=f"bids {_bids(vetoed)}",
    )


def _organiser_above_fence(
    fact: Fact, scope: Scope, vetoed: list[dict], tender: dict
) -> Iterator[Finding]:
    """The organiser's share of bids vetoed over its comparable tenders (same category and rule
    set) above Q3 + 1.5 IQR of the platform's tenders' shares; nothing below the minimum."""
    rows = {
        r["tender_id"]: r  # in ledger order: each tender's last review before this one
        for r in scope.read(
            "evaluation.rejection_rates", category=tender["category"], rule_set=tender["rule_set"]
        )
        if r["seq"] < fact.seq
    }
    bids = len(vetoed) + len(fact.payload.get("passed") or [])
    rows[scope.tender_id] = {
        "tender_id": scope.tender_id,
        "organiser_id": tender["organiser_id"],
        "vetoed": len(vetoed),
        "bids": bids,
        "seq": fact.seq,
    }
    rows = {t: r for t, r in rows.items() if r["bids"] > 0}
    fence = fences.iqr_fence(
        (Decimal(r["vetoed"]) / Decimal(r["bids"]) for r in rows.values()),
        minimum=int(scope.setting("AUDIT_FENCE_MIN_TENDERS")),
    )
    if fence is None:
        return
    own = [r for r in rows.values() if r["organiser_id"] == tender["organiser_id"]]
    own_vetoed, own_bids = sum(r["vetoed"] for r in own), sum(r["bids"] for r in own)
    rate = Decimal(own_vetoed) / Decimal(own_bids)
    if rate <= fence.high:
        return
    shown = rate.quantize(Decimal("0.0001"))
    yield scope.finding(
        "eval.rejections",
        f"tender:{scope.tender_id}:organiser:{tender['organiser_id']}:fence",
        Severity.YELLOW,
        f"organisation {tender['organiser_id']} has vetoed {own_vetoed} of {own_bids} bids over "
        f"its {len(own)} {tender['category']} tenders ({shown}), above the fence "
        f"{fence.high.quantize(Decimal('0.0001'))} of {fence.count} comparable tenders",
        sorted({fact.seq, *(r["seq"] for r in own)}),
        figures={
            "organiser_id": tender["organiser_id"],
            "rate": str(rate),
            "vetoed": own_vetoed,
            "bids": own_bids,
            "tenders": sorted(r["tender_id"] for r in own),
        },
        threshold=fence.threshold("high"),
        subject=f"organisation {tender['organiser_id']}",
    )
