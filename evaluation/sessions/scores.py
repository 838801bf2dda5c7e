"""Scoring in the session: each member's private sheet, its submission (checked, with a written
reason for every outlying score, GP-87 Art 64), the leader's reopening of an item, and the
server's results once every member has submitted: price scores, each member's totals, the
committee's scores and the ranking, per lot (``evaluation.scoring.rules``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.errors import Conflict, InvalidInput
from bidhall.events import emit
from evaluation.scoring import rules as scoring
from evaluation.sessions import room, rules
from evaluation.sessions.models import EvaluationSession, ScoreSheet, SessionMember
from evaluation.sessions.rules import Stage


def criteria(evaluation: EvaluationSession) -> tuple[scoring.Criterion, ...]:
    return scoring.criteria_of(evaluation.criteria)


def formula(evaluation: EvaluationSession) -> scoring.PriceFormula:
    spec = evaluation.price_formula
    return scoring.PriceFormula(
        kind=spec["kind"],
        k=Decimal(spec.get("k", "0")),
        deduct_above=Decimal(spec.get("deduct_above", "0")),
        deduct_below=Decimal(spec.get("deduct_below", "0")),
    )


def sheet_of(session: Session, member: SessionMember) -> ScoreSheet | None:
    return session.scalar(select(ScoreSheet).where(ScoreSheet.member_id == member.id))


def _as_json(values: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, str]]:
    return {bid: {name: str(v) for name, v in items.items()} for bid, items in values.items()}


def _as_decimals(values: dict) -> dict[str, dict[str, Decimal]]:
    return {bid: {name: Decimal(v) for name, v in items.items()} for bid, items in values.items()}


def _passed_ids(evaluation: EvaluationSession) -> list[str]:
    return [str(b) for b in evaluation.passed_bid_ids or []]


def save_draft(
    session: Session, evaluation: EvaluationSession, member: SessionMember, data: dict
) -> dict:
    """Keep a member's unfinished sheet, for it alone (nothing is posted to the committee)."""
    rules.check_stage(evaluation.stage, Stage.SCORING, why="scores are saved while scoring")
    scores = data.get("scores")
    if not isinstance(scores, dict) or not all(isinstance(v, dict) for v in scores.values()):
        raise InvalidInput(
            'scores: {"<bid id>": {"<criterion>": <score>}}', code="invalid_field", field="scores"
        )
    sheet = sheet_of(session, member)
    if sheet is not None and sheet.state != "draft":
        raise Conflict(
            "your sheet is submitted: the leader reopens an item to change it",
            code="sheet_submitted",
        )
    if sheet is None:
        sheet = _new_sheet(session, evaluation, member)
    sheet.scores = {str(bid): dict(items) for bid, items in scores.items()}
    return {"saved": True}


def _new_sheet(
    session: Session, evaluation: EvaluationSession, member: SessionMember
) -> ScoreSheet:
    """A member's sheet, begun now (its scoring time counts from here)."""
    sheet = ScoreSheet(
        session_id=evaluation.id,
        member_id=member.id,
        state="draft",
        scores={},
        reasons={},
        reopened=[],
        submissions=0,
        started_at=clock.now(),
    )
    session.add(sheet)
    return sheet


def submit(
    session: Session, evaluation: EvaluationSession, member: SessionMember, data: dict
) -> dict:
    """Submit the whole sheet: every passing bid, every criterion but price (the server
    computes it), each in range. A score far from the others already submitted needs a written
    reason; a reopened sheet may change only its reopened items."""
    rules.check_stage(evaluation.stage, Stage.SCORING, why="scores are submitted while scoring")
    values = scoring.check_sheet(criteria(evaluation), data.get("scores"), _passed_ids(evaluation))
    reasons = _reasons(data.get("reasons"))
    sheet = sheet_of(session, member)
    now = clock.now()
    if sheet is not None and sheet.state == "submitted":
        raise Conflict(
            "your sheet is submitted: the leader reopens an item to change it",
            code="sheet_submitted",
        )
    if sheet is not None and sheet.state == "reopened":
        _check_reopened_only(sheet, values)
    others = [
        _as_decimals(s.scores)
        for s in room.sheets(session, evaluation)
        if s.member_id != member.id and s.submitted_at is not None
    ]
    outliers = scoring.outliers(criteria(evaluation), values, others)
    unexplained = [o for o in outliers if not reasons.get(f"{o.bid_id}/{o.criterion}")]
    if unexplained:
        raise InvalidInput(
            "these scores differ from the other members' by more than the rule allows: give a "
            "written reason for each (GP-87 Art 64): "
            + ", ".join(f"bid {o.bid_id} {o.criterion}" for o in unexplained),
            code="score_reason_required",
            field="reasons",
            items=[
                {
                    "bid_id": o.bid_id,
                    "criterion": o.criterion,
                    "value": str(o.value),
                    "others_mean": str(o.others_mean),
                    "threshold": str(o.threshold),
                }
                for o in unexplained
            ],
        )
    if sheet is None:
        sheet = _new_sheet(session, evaluation, member)
    previous = sheet.scores if sheet.state == "reopened" else None
    sheet.scores = _as_json(values)
    sheet.reasons = {**sheet.reasons, **reasons}
    sheet.state = "submitted"
    sheet.reopened = []
    sheet.submitted_at = now
    sheet.submissions += 1
    session.flush()
    actor = services_actor(session, member)
    # the values go to the ledger (the audit layer's outlier and copy screens); the committee
    # hears only that the member submitted, until every member has
    emit(
        "score.submitted",
        actor,
        session_id=evaluation.id,
        seat=member.seat,
        submission=sheet.submissions,
        scores=sheet.scores,
        previous=previous,
        reasons={key: reasons[key] for key in reasons},
        outliers=[
            {
                "bid_id": o.bid_id,
                "criterion": o.criterion,
                "deviation": str(o.deviation),
                "threshold": str(o.threshold),
                "severity": o.severity,
            }
            for o in outliers
        ],
        seconds=int((now - sheet.started_at).total_seconds()),
    )
    active = room.active_members(session, evaluation)
    sheets = room.sheets(session, evaluation)
    submitted = [s for s in sheets if s.state == "submitted"]
    room.post(
        session,
        evaluation,
        actor,
        "scores_submitted",
        seat=member.seat,
        submission=sheet.submissions,
        submitted=len(submitted),
        members=len(active),
    )
    if len(submitted) == len(active) and not room.vacant_seats(session, evaluation):
        publish_results(session, evaluation, actor, active=active, sheets=sheets)
    return {"submitted": True, "outliers_explained": len(outliers)}


def services_actor(session: Session, member: SessionMember) -> Any:
    from bidhall.accounts.models import User

    return session.get(User, member.user_id)


def _reasons(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(
            'reasons: {"<bid id>/<criterion>": "<reason>"}', code="invalid_field", field="reasons"
        )
    return {str(k): rules.check_text(v, f"reasons[{k}]") for k, v in value.items()}


def _check_reopened_only(sheet: ScoreSheet, values: dict[str, dict[str, Decimal]]) -> None:
    before = _as_decimals(sheet.scores)
    changed = [
        f"{bid}/{name}"
        for bid, items in values.items()
        for name, value in items.items()
        if before.get(bid, {}).get(name) != value
    ]
    closed = [item for item in changed if item not in sheet.reopened]
    if closed:
        raise Conflict(
            "only the items the leader reopened may change: " + ", ".join(closed),
            code="not_reopened",
        )


def reopen(
    session: Session,
    evaluation: EvaluationSession,
    leader: SessionMember,
    target: SessionMember,
    bid_id: str,
    criterion: str,
    reason: str,
) -> dict:
    """The leader reopens one submitted item of a member's sheet, with a reason; the results
    wait for its new submission."""
    rules.check_stage(
        evaluation.stage, Stage.SCORING, Stage.RANKED, why="items are reopened while scoring"
    )
    sheet = sheet_of(session, target)
    if sheet is None or sheet.submitted_at is None:
        raise Conflict("that member has not submitted its sheet", code="sheet_not_submitted")
    if bid_id not in _passed_ids(evaluation) or criterion not in {
        c.name for c in criteria(evaluation) if c.kind != "price"
    }:
        raise InvalidInput(
            "name a passing bid and a criterion the members score", code="invalid_item"
        )
    item = f"{bid_id}/{criterion}"
    sheet.state = "reopened"
    sheet.reopened = sorted({*sheet.reopened, item})
    if evaluation.stage == Stage.RANKED:
        evaluation.stage = Stage.SCORING
        evaluation.results = None
        room.post(session, evaluation, rules.SYSTEM, "stage_changed", stage=Stage.SCORING.value)
    room.post(
        session,
        evaluation,
        services_actor(session, leader),
        "item_reopened",
        seat=target.seat,
        bid_id=int(bid_id),
        criterion=criterion,
        reason=reason,
    )
    return {"reopened": item}


# --- results ------------------------------------------------------------------------------------


def compute(
    session: Session,
    evaluation: EvaluationSession,
    *,
    active: list[SessionMember] | None = None,
    sheets: list[ScoreSheet] | None = None,
) -> dict:
    """The server's results, per lot, from the submitted sheets (seat -> sheet); ``active`` and
    ``sheets`` when the caller has just read them."""
    members = {m.id: m.seat for m in active or room.active_members(session, evaluation)}
    by_seat = {
        members[s.member_id]: _as_decimals(s.scores)
        for s in (sheets if sheets is not None else room.sheets(session, evaluation))
        if s.submitted_at is not None and s.member_id in members
    }
    passed = set(evaluation.passed_bid_ids or [])
    lots: dict[int, dict[str, Decimal]] = {}
    for bid, price in room.evaluated_prices(session, evaluation):
        if bid.id in passed:
            lots.setdefault(bid.lot_number, {})[str(bid.id)] = price
    the_criteria, the_formula = criteria(evaluation), formula(evaluation)
    result_lots = []
    for lot, prices in sorted(lots.items()):
        lot_sheets = {
            seat: {bid: items for bid, items in sheet.items() if bid in prices}
            for seat, sheet in by_seat.items()
        }
        computed = scoring.results(the_criteria, the_formula, prices, lot_sheets)
        result_lots.append(
            {
                "lot": lot,
                "method": computed.method,
                "prices": {bid: str(p) for bid, p in prices.items()},
                "price_scores": {bid: str(v) for bid, v in computed.price_scores.items()},
                "member_totals": {
                    str(seat): {bid: str(v) for bid, v in totals.items()}
                    for seat, totals in computed.member_totals.items()
                },
                "scores": {bid: str(v) for bid, v in computed.scores.items()},
                "ranking": [int(b) for b in computed.ranking],
                "ranks": {bid: rank for bid, rank in computed.ranks.items()},
                "ties": [[int(b) for b in group] for group in computed.ties],
                "criterion_means": _criterion_means(the_criteria, lot_sheets, prices),
            }
        )
    return {"lots": result_lots, "computed_at": clock.now().isoformat()}


def _criterion_means(
    the_criteria: tuple[scoring.Criterion, ...],
    sheets: dict[int, dict[str, dict[str, Decimal]]],
    prices: dict[str, Decimal],
) -> dict[str, dict[str, str]]:
    """bid -> criterion -> the members' mean score on it (the report's table)."""
    from evaluation.scoring.numbers import half_up

    means: dict[str, dict[str, str]] = {}
    for bid in prices:
        for criterion in the_criteria:
            if criterion.kind == "price":
                continue
            values = [s[bid][criterion.name] for s in sheets.values() if bid in s]
            if values:
                mean = half_up(sum(values, Decimal(0)) / len(values))
                means.setdefault(bid, {})[criterion.name] = str(mean)
    return means


def all_submitted(session: Session, evaluation: EvaluationSession) -> bool:
    submitted = [s for s in room.sheets(session, evaluation) if s.state == "submitted"]
    return not room.vacant_seats(session, evaluation) and len(submitted) == len(
        room.active_members(session, evaluation)
    )


def publish_results(
    session: Session,
    evaluation: EvaluationSession,
    actor: Any,
    *,
    active: list[SessionMember] | None = None,
    sheets: list[ScoreSheet] | None = None,
) -> dict:
    results = compute(session, evaluation, active=active, sheets=sheets)
    evaluation.results = results
    evaluation.stage = Stage.RANKED
    room.post(session, evaluation, actor, "results", **results)
    room.post(session, evaluation, rules.SYSTEM, "stage_changed", stage=Stage.RANKED.value)
    return results
