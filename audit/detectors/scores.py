"""Scores (评分): a member far from the others on a judgement item, members who disagree on a
fact, two members' sheets identical to the last figure, a member who ranks one bidder first
against the committee time after time. Read from the ledger-only ``score.submitted`` (each
member's sheet, its reasons and the outliers the session found at submit) and the session's
``evaluation.results`` (docs/evaluation.md); the criteria, the seats' experts and the bids'
bidders through the read models below."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.detectors.base import Fact, Scope, Severity, detector, reads_back
from audit.detectors.reads import read, read_many
from audit.ledger.models import IndexedEvent, LedgerEntry
from bidhall.accounts.models import Organisation
from evaluation.scoring import rules as scoring
from evaluation.scoring.numbers import half_up
from evaluation.sessions.models import EvaluationSession, SessionMember
from trading.bids.models import Bid

SUBMITTED = "score.submitted"
RESULTS = "evaluation.results"
reads_back(SUBMITTED)
MIN_JUDGEMENT_VALUES = 2  # score.identical: fewer judgement scores than this say nothing

Sheet = dict[str, dict[str, Decimal]]  # bid -> criterion -> score


# --- read models --------------------------------------------------------------------------------


@read_many("scores.criteria", by="session_id")
def read_criteria(session: Session, session_ids: Sequence[int]) -> dict[int, list[dict]]:
    """Each session's criteria as frozen at its opening (the tender's JSON); none for a session
    not found."""
    found: dict[int, list[dict]] = {session_id: [] for session_id in session_ids}
    for session_id, criteria in session.execute(
        select(EvaluationSession.id, EvaluationSession.criteria).where(
            EvaluationSession.id.in_(list(found))
        )
    ):
        found[session_id] = [dict(item) for item in criteria]
    return found


@read_many("scores.seats", by="session_id")
def read_seats(session: Session, session_ids: Sequence[int]) -> dict[int, dict[int, dict]]:
    """Each session's seat -> who sits there now: the drawn expert, or (a tenderer's
    representative) the user."""
    found: dict[int, dict[int, dict]] = {session_id: {} for session_id in session_ids}
    for session_id, seat, expert, user in session.execute(
        select(
            SessionMember.session_id,
            SessionMember.seat,
            SessionMember.expert_id,
            SessionMember.user_id,
        ).where(SessionMember.session_id.in_(list(found)), SessionMember.active.is_(True))
    ):
        found[session_id][seat] = {"expert_id": expert, "user_id": user}
    return found


@read("scores.member_seats")
def read_member_seats(
    session: Session, expert_id: int | None = None, user_id: int | None = None
) -> list[tuple[int, int]]:
    """(session, seat) of every session the expert (or, with no expert, the user) sits in."""
    column = SessionMember.expert_id if expert_id is not None else SessionMember.user_id
    rows = session.execute(
        select(SessionMember.session_id, SessionMember.seat)
        .where(column == (expert_id if expert_id is not None else user_id))
        .where(SessionMember.active.is_(True))
        .order_by(SessionMember.session_id)
    ).all()
    return [(session_id, seat) for session_id, seat in rows]


@read("scores.latest_results")
def read_latest_results(
    session: Session, session_ids: Sequence[int], up_to: int
) -> dict[int, tuple[int, dict]]:
    """session -> (seq, payload) of its last ``evaluation.results`` in the ledger up to ``up_to``
    (results recomputed after a reopened item replace the earlier ones)."""
    rows = session.execute(
        select(IndexedEvent.session_id, LedgerEntry.seq, LedgerEntry.payload)
        .join(LedgerEntry, LedgerEntry.seq == IndexedEvent.seq)
        .where(
            IndexedEvent.session_id.in_(list(session_ids)),
            IndexedEvent.type == RESULTS,
            IndexedEvent.seq <= up_to,
        )
        .order_by(IndexedEvent.seq)
    ).all()
    return {session_id: (seq, json.loads(payload)) for session_id, seq, payload in rows}


@read("scores.bidders")
def read_bidders(session: Session, bid_ids: Iterable[int]) -> dict[int, dict]:
    """bid -> the organisation that made it: ``{"organisation_id", "name"}``."""
    rows = session.execute(
        select(Bid.id, Organisation.id, Organisation.name)
        .join(Organisation, Organisation.id == Bid.organisation_id)
        .where(Bid.id.in_([int(b) for b in bid_ids]))
    ).all()
    return {bid: {"organisation_id": org, "name": name} for bid, org, name in rows}


# --- helpers --------------------------------------------------------------------------------------


def _criteria(scope: Scope) -> tuple[scoring.Criterion, ...]:
    items = scope.read("scores.criteria", session_id=scope.session_id)
    return _criteria_of(json.dumps(items, sort_keys=True))


@functools.lru_cache(maxsize=256)
def _criteria_of(text: str) -> tuple[scoring.Criterion, ...]:
    """The criteria checked and parsed once per content (~0.5 ms for 30 items), not at every
    results or sheet that asks (the tuple of frozen values is shared safely)."""
    return scoring.criteria_of(json.loads(text))


def _sheets(scope: Scope, seats: Iterable[str]) -> dict[int, Fact]:
    """seat -> its last ``score.submitted`` so far (a reopened sheet's resubmission, or a
    replacement's sheet, supersedes the earlier one)."""
    wanted = {int(seat) for seat in seats}
    last: dict[int, Fact] = {}
    for fact in scope.history(SUBMITTED):
        seat = fact.payload.get("seat")
        if seat in wanted:
            last[seat] = fact
    return last


def _parsed(scope: Scope, submitted: Mapping[int, Fact]) -> dict[int, Sheet]:
    """seat -> its sheet's values, each sheet parsed once for every detector and every later
    results that read it (a resubmitted sheet is a new entry: only it is parsed again)."""
    return {
        seat: scope.derived(f, "scores.sheet", lambda f=f: _values(f))
        for seat, f in sorted(submitted.items())
    }


def _values(fact: Fact) -> Sheet:
    return {
        str(bid): {name: _decimal(str(v)) for name, v in row.items()}
        for bid, row in (fact.payload.get("scores") or {}).items()
        if row
    }


_decimal = functools.lru_cache(maxsize=8192)(Decimal)  # a sheet repeats a few hundred values


def _scored_seats(results: Mapping) -> list[str]:
    seats: set[str] = set()
    for lot in results.get("lots") or []:
        seats |= set(lot.get("member_totals") or {})
    return sorted(seats, key=int)


def _listed(items: Iterable[Any]) -> str:
    return ", ".join(str(item) for item in items)


# --- score.outlier ------------------------------------------------------------------------------


@detector(
    "score.outlier",
    basis="GP-87 Art 64: a score far from the others' needs a written reason (the centres' "
    "20% / 2×MAD convention)",
    on=(SUBMITTED,),
)
def outlier(fact: Fact, scope: Scope):
    outliers = fact.payload.get("outliers") or []
    if not outliers:
        return
    seat = fact.payload.get("seat")
    tops = {c.name: c.max_score for c in _criteria(scope)}
    share = Decimal(str(scope.setting("AUDIT_SCORE_OUTLIER_RED_SHARE")))
    earlier = [f for f in scope.history(SUBMITTED) if f.seq < fact.seq]
    mine = [f for f in earlier if f.payload.get("seat") == seat]
    compared = {f.payload.get("seat"): f.seq for f in earlier if f.payload.get("seat") != seat}
    scores = fact.payload.get("scores") or {}
    for item in outliers:
        bid, criterion = str(item["bid_id"]), item["criterion"]
        top = tops.get(criterion)
        if top is None:
            continue
        deviation, allowed = Decimal(item["deviation"]), Decimal(item["threshold"])
        red_above = share * top
        severity = Severity.RED if deviation > red_above else Severity.YELLOW
        reason = _reason(fact, mine, f"{bid}/{criterion}")
        value = (scores.get(bid) or {}).get(criterion)
        of_top = half_up(deviation / top * 100)
        yield scope.finding(
            "score.outlier",
            f"session:{scope.session_id}:seat:{seat}:bid:{bid}:criterion:{criterion}",
            severity,
            f"seat {seat} scored bid {bid} {value} on {criterion!r}, {deviation} from the other "
            f"members' mean (more than the {allowed} allowed; {of_top}% of the item's maximum "
            f"{top}); its reason: {reason or '(none recorded)'}",
            [fact.seq, *compared.values()],
            figures={
                "seat": seat,
                "bid_id": int(bid),
                "criterion": criterion,
                "value": value,
                "deviation": str(deviation),
                "allowed": str(allowed),
                "max_score": str(top),
                "percent_of_max": str(of_top),
                "submission": fact.payload.get("submission"),
                "session_severity": item.get("severity"),
                "reason": reason,
                "compared_with_seats": sorted(compared),
            },
            threshold={
                "kind": "fixed",
                "rule": "|score − others' mean| > max(20% of the item's maximum, 2 × the "
                "others' median absolute deviation), on a judgement item; red above the share",
                "allowed": str(allowed),
                "red_share": str(share),
                "red_above": str(half_up(red_above)),
            },
            subject=f"seat {seat}",
        )


def _reason(fact: Fact, earlier: Sequence[Fact], item: str) -> str | None:
    """The member's written reason for the item: in this submission, else its latest before."""
    for each in (fact, *reversed(earlier)):
        reason = (each.payload.get("reasons") or {}).get(item)
        if reason:
            return reason
    return None


# --- score.objective_disagreement ---------------------------------------------------------------


@detector(
    "score.objective_disagreement",
    basis="GP-87 Art 64: an objective (factual) item is scored alike by every member",
    on=(RESULTS,),
)
def objective_disagreement(fact: Fact, scope: Scope):
    # the results are announced once every active member has submitted: the sheets are complete
    submitted = _sheets(scope, _scored_seats(fact.payload))
    if len(submitted) < 2:
        return
    criteria = _criteria(scope)
    sheets = _parsed(scope, submitted)
    objective = tuple(c.name for c in criteria if c.objective and c.kind != "price")
    said = {
        scope.derived(
            f, "scores.objective_values", lambda seat=seat: _projection(sheets[seat], objective)
        )
        for seat, f in submitted.items()
    }
    if len(said) == 1:
        return  # every sheet says the same on every objective item (the usual case): no pair
    for bid, criterion in scoring.objective_disagreements(criteria, sheets):
        by_seat = {seat: sheet[bid][criterion] for seat, sheet in sheets.items() if bid in sheet}
        groups: dict[Decimal, list[int]] = {}
        for seat, value in by_seat.items():
            groups.setdefault(value, []).append(seat)  # 7 == 7.00
        said = "; ".join(
            f"{value} by seat{'s' if len(seats) > 1 else ''} {_listed(seats)}"
            for value, seats in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))
        )
        yield scope.finding(
            "score.objective_disagreement",
            f"session:{scope.session_id}:bid:{bid}:criterion:{criterion}",
            Severity.YELLOW,
            f"the members scored bid {bid} differently on the objective criterion "
            f"{criterion!r}: {said}",
            [fact.seq, *(f.seq for f in submitted.values())],
            figures={
                "bid_id": int(bid),
                "criterion": criterion,
                "scores": {str(seat): str(value) for seat, value in by_seat.items()},
                "distinct": len(groups),
            },
            threshold={"kind": "fixed", "rule": "every member's score equal on an objective item"},
            subject=f"bid {bid}",
        )


def _projection(sheet: Sheet, names: Sequence[str]) -> frozenset:
    """What a sheet says on the objective items, comparable in one step (7 and 7.00 hash and
    compare alike): equal for two sheets exactly when they agree on every objective item."""
    return frozenset(
        (bid, name, row[name]) for bid, row in sheet.items() for name in names if name in row
    )


# --- score.identical ----------------------------------------------------------------------------


@detector(
    "score.identical",
    basis="centres' practice: copied score sheets (collusion among members, Regs Art 49)",
    on=(RESULTS,),
)
def identical(fact: Fact, scope: Scope):
    submitted = _sheets(scope, _scored_seats(fact.payload))
    if len(submitted) < 2:
        return
    sheets = _parsed(scope, submitted)
    # equal sheets (7 == 7.00), first seat first: each sheet's values as one hashable whole,
    # made once per submission, so that the sheets are grouped in one step, not pair by pair
    groups: dict[frozenset, list[int]] = {}
    for seat, f in sorted(submitted.items()):
        whole = scope.derived(f, "scores.sheet_whole", lambda seat=seat: _whole(sheets[seat]))
        groups.setdefault(whole, []).append(seat)
    if all(len(seats) < 2 for seats in groups.values()):
        return
    criteria = _criteria(scope)
    judged = {c.name for c in criteria if c.subjective}
    items = sorted(
        {(bid, name) for sheet in sheets.values() for bid, row in sheet.items() for name in row}
    )
    judgement = [item for item in items if item[1] in judged]
    if len(judgement) < MIN_JUDGEMENT_VALUES:
        return  # facts only (members must agree on them), or a single judgement: no signal
    for seats in groups.values():
        if len(seats) < 2:
            continue
        sheet = sheets[seats[0]]
        yield scope.finding(
            "score.identical",
            f"session:{scope.session_id}:seats:{'-'.join(map(str, seats))}",
            Severity.RED,
            f"seats {_listed(seats)} submitted identical score sheets: the same {len(items)} "
            f"scores on {len({b for b, _ in items})} bids and "
            f"{len({n for _, n in items})} criteria, {len(judgement)} of them judgement scores",
            [fact.seq, *(submitted[seat].seq for seat in seats)],
            figures={
                "seats": seats,
                "values": len(items),
                "judgement_values": len(judgement),
                "scores": {bid: {k: str(v) for k, v in row.items()} for bid, row in sheet.items()},
                "submitted_seqs": {str(seat): submitted[seat].seq for seat in seats},
            },
            threshold={
                "kind": "fixed",
                "rule": "two members' scores equal on every bid and criterion, with at least "
                "N judgement scores",
                "min_judgement_values": MIN_JUDGEMENT_VALUES,
            },
            subject=f"seats {_listed(seats)}",
        )


def _whole(sheet: Sheet) -> frozenset:
    """A sheet as one hashable value, equal for two sheets exactly when the sheets are (a
    sheet has one value per bid and item, and no empty row)."""
    return frozenset(
        (bid, name, value) for bid, row in sheet.items() for name, value in row.items()
    )


# --- score.favoritism ---------------------------------------------------------------------------


@detector(
    "score.favoritism",
    basis="centres' practice: a member who ranks one bidder first against the committee, again "
    "and again (Regs Art 49: members judge impartially)",
    on=(RESULTS,),
)
def favoritism(fact: Fact, scope: Scope):
    against = _against(scope.session_id, fact.seq, fact.payload)
    if not against:
        return
    need = int(scope.setting("AUDIT_FAVORITISM_TIMES"))
    seats = scope.read("scores.seats", session_id=scope.session_id)
    here = scope.read("scores.bidders", bid_ids={o["own_first"] for o in against})
    for seat in sorted({o["seat"] for o in against}):
        member = seats.get(seat)
        if member is None:
            continue
        organisations = {
            here[o["own_first"]]["organisation_id"]
            for o in against
            if o["seat"] == seat and o["own_first"] in here
        }
        occurrences = _occurrences(scope, fact.seq, member)
        bidders = scope.read("scores.bidders", bid_ids={o["own_first"] for o in occurrences})
        for organisation in sorted(organisations):
            same = [
                o
                for o in occurrences
                if bidders.get(o["own_first"], {}).get("organisation_id") == organisation
            ]
            if len(same) < need:
                continue
            name = next(b["name"] for b in bidders.values() if b["organisation_id"] == organisation)
            who = (
                f"expert {member['expert_id']}"
                if member["expert_id"] is not None
                else f"user {member['user_id']}"
            )
            places = "; ".join(
                f"session {o['session_id']} lot {o['lot']}: its first bid {o['own_first']}, the "
                f"committee's {_listed(o['committee_first'])}"
                for o in same
            )
            yield scope.finding(
                "score.favoritism",
                f"{who.replace(' ', ':')}:organisation:{organisation}:session:{scope.session_id}",
                Severity.YELLOW,
                f"seat {seat} ({who}) ranked {name}'s bid first against the committee's ranking "
                f"{len(same)} times ({places})",
                [fact.seq, *(o["seq"] for o in same)],
                figures={
                    "seat": seat,
                    "expert_id": member["expert_id"],
                    "user_id": member["user_id"],
                    "organisation_id": organisation,
                    "organisation": name,
                    "times": len(same),
                    "occurrences": same,
                },
                threshold={
                    "kind": "fixed",
                    "rule": "the member's own first bid (its highest total, alone) is the same "
                    "bidder's and not the committee's first, in at least N lots of its sessions",
                    "times": need,
                },
                subject=f"seat {seat}",
            )


def _occurrences(scope: Scope, up_to: int, member: Mapping) -> list[dict]:
    """Every lot of every session the member sits in whose last results so far show its own
    first bid against the committee's first."""
    places = scope.read(
        "scores.member_seats", expert_id=member["expert_id"], user_id=member["user_id"]
    )
    results = scope.read("scores.latest_results", session_ids=[s for s, _ in places], up_to=up_to)
    found: list[dict] = []
    for session_id, seat in places:
        if session_id in results:
            seq, payload = results[session_id]
            found += [o for o in _against(session_id, seq, payload) if o["seat"] == seat]
    return found


def _against(session_id: int | None, seq: int, results: Mapping) -> list[dict]:
    """The (seat, lot) whose own first bid, alone at its highest total, is not the committee's
    first (a tie for the committee's first counts every tied bid as first)."""
    found: list[dict] = []
    for lot in results.get("lots") or []:
        ranks = lot.get("ranks") or {}
        first = sorted(int(bid) for bid, rank in ranks.items() if rank == 1)
        if not first:
            continue
        for seat, totals in (lot.get("member_totals") or {}).items():
            if len(totals) < 2:
                continue
            values = {int(bid): Decimal(str(total)) for bid, total in totals.items()}
            best = max(values.values())
            top = [bid for bid, total in values.items() if total == best]
            if len(top) != 1 or top[0] in first:
                continue
            found.append(
                {
                    "session_id": session_id,
                    "seq": seq,
                    "lot": lot.get("lot"),
                    "seat": int(seat),
                    "own_first": top[0],
                    "own_total": str(best),
                    "committee_first": first,
                    "committee_score": (lot.get("scores") or {}).get(str(first[0]))
                    if first
                    else None,
                }
            )
    return found
