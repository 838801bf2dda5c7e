"""The experts' fees of a draw, from the attendance recorded at check-in and check-out (the rule is
evaluation.venues.fees), and their export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import config
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Conflict, InvalidInput, NotFound
from bidhall.events import emit
from evaluation.draws import services as draws
from evaluation.draws import visibility
from evaluation.draws.models import DrawPlace, ExpertDraw
from evaluation.experts.models import Expert
from evaluation.venues import fees
from evaluation.venues.models import Attendance, Venue
from trading.bids import queries as trading_bids
from trading.bids.models import Bid, BidState
from trading.tenders.models import Tender


def _fee_rules() -> fees.FeeRules:
    return fees.FeeRules.from_settings(config.current())


def _records(session: Session, draw_ids: Sequence[int], expert_id: int | None = None) -> list:
    """The attendance of each expert who checked in, per draw, as the fee rule reads it."""
    query = (
        select(Attendance, DrawPlace, ExpertDraw)
        .join(DrawPlace, DrawPlace.id == Attendance.place_id)
        .join(ExpertDraw, ExpertDraw.id == Attendance.draw_id)
        .where(Attendance.draw_id.in_(list(draw_ids)))
        .order_by(Attendance.draw_id, DrawPlace.expert_id, Attendance.checked_in_at)
    )
    if expert_id is not None:
        query = query.where(DrawPlace.expert_id == expert_id)
    grouped: dict[tuple[int, int], list] = {}
    for attendance, place, draw in session.execute(query):
        grouped.setdefault((draw.id, place.expert_id), []).append((attendance, place, draw))
    tender_ids = {draw.tender_id for rows in grouped.values() for _a, _p, draw in rows}
    tenders = {t.id: t for t in session.scalars(select(Tender).where(Tender.id.in_(tender_ids)))}
    # the sealed bids stand in for a count nobody told, once counts may be known (Law Art 22:
    # not before the opening); until then none, and only what the experts told is paid
    shown = trading_bids.disclosures(tenders.values())
    counted = [tender_id for tender_id, disclosed in shown.items() if disclosed.counts]
    bid_counts = dict(
        session.execute(
            select(Bid.tender_id, func.count())
            .where(Bid.tender_id.in_(counted), Bid.state == BidState.SEALED)
            .group_by(Bid.tender_id)
        ).all()
    )
    venue_ids = {a.venue_id for rows in grouped.values() for a, _p, _d in rows if a.venue_id}
    venues_by_id = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(venue_ids)))}
    records = []
    for (draw_id, _expert_id), rows in grouped.items():
        _a, place, draw = rows[-1]
        expert: Expert = place.expert
        venue = venues_by_id.get(rows[-1][0].venue_id)
        told = [a.bids_reviewed for a, _p, _d in rows if a.bids_reviewed is not None]
        records.append(
            fees.Attendance(
                draw_id=draw_id,
                tender_id=draw.tender_id,
                tender_reference=tenders[draw.tender_id].reference,
                expert_id=expert.id,
                expert_name=expert.name,
                id_number=expert.id_number,
                expert_region=expert.region,
                venue_code=venue.code if venue else None,
                venue_region=venue.region if venue else None,
                periods=tuple(fees.Period(a.checked_in_at, a.checked_out_at) for a, _p, _d in rows),
                bids=max(told) if told else bid_counts.get(draw.tender_id, 0),
            )
        )
    return records


def draw_fees(actor: User | str, draw_id: int) -> list[fees.Fee]:
    """Every checked-in expert's fee for one draw: for supervisors at any time, for the tender's
    agency and tenderer (who pay) once the draw's result is published; nobody else."""
    draw = draws.get_draw(draw_id)
    if not isinstance(actor, str):  # system:cli, the operator on the server
        level = visibility.access(actor, draw)  # NotFound for outsiders
        if level == "own":
            raise NotFound(f"no draw {draw_id}", code="draw_not_found")
        if level == "counts":
            raise Conflict(
                "the fees name the experts: they are shown once the draw's result is published",
                code="draw_not_published",
            )
    rules_ = _fee_rules()
    return [fees.compute_fee(r, rules_) for r in _records(db.session, [draw_id])]


def fees_of_draws(draw_ids: Sequence[int]) -> list[fees.Fee]:
    """Every checked-in expert's fee for each of the draws, for the centre's statistics (no
    actor: the caller decides who may see the sums)."""
    if not draw_ids:
        return []
    rules_ = _fee_rules()
    return [fees.compute_fee(r, rules_) for r in _records(db.session, draw_ids)]


def export_fees(actor: User | str, draw_id: int, fmt: str) -> tuple[str, str]:
    """The fees of a draw as CSV or JSON text for the paying system; the export is recorded
    (``fees.exported`` with the text's SHA-256)."""
    if fmt not in ("csv", "json"):
        raise InvalidInput("format is csv or json", field="format")
    computed = draw_fees(actor, draw_id)
    if fmt == "csv":
        text, mimetype = fees.as_csv(computed), "text/csv; charset=utf-8"
    else:
        payload = {
            "format": "bidhall-expert-fees/1",
            "draw_id": draw_id,
            "currency": "CNY",
            "fees": [fees.as_json(f) for f in computed],
            "total": str(fees.money(sum((f.total for f in computed), fees.money(0)))),
        }
        text, mimetype = (
            json.dumps(payload, ensure_ascii=False, indent=2) + "\n",
            "application/json",
        )
    with db.transaction():
        emit(
            "fees.exported",
            actor,
            draw_id=draw_id,
            format=fmt,
            experts=len(computed),
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )
    return text, mimetype


def my_fees(actor: User) -> list[fees.Fee]:
    """The expert's own fees, over every draw it attended."""
    require_role(actor, Role.EXPERT)
    expert = db.session.scalar(select(Expert).where(Expert.user_id == actor.id))
    if expert is None:
        return []
    draw_ids = list(
        db.session.scalars(
            select(Attendance.draw_id)
            .join(DrawPlace, DrawPlace.id == Attendance.place_id)
            .where(DrawPlace.expert_id == expert.id)
            .distinct()
        )
    )
    rules_ = _fee_rules()
    return [fees.compute_fee(r, rules_) for r in _records(db.session, draw_ids, expert.id)]
