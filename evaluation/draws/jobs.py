"""The draws' scheduled work (``tick``): invitations not answered in time are timed out and
replaced, and seats left empty get a supplementary round."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bidhall.db import db
from bidhall.events import emit
from evaluation.draws.answers import call_reserve
from evaluation.draws.models import DrawPlace, PlaceStatus
from evaluation.draws.supplements import draws_with_vacancies, fill_vacancies


@dataclass(frozen=True)
class TickResult:
    draw_id: int
    happened: tuple[str, ...]


def tick(now: datetime) -> list[TickResult]:
    """Invitations not answered by their window's end are timed out and replaced."""
    due = list(
        db.session.execute(
            select(DrawPlace.id, DrawPlace.draw_id)
            .where(DrawPlace.status == PlaceStatus.INVITED, DrawPlace.answer_due_at <= now)
            .order_by(DrawPlace.answer_due_at, DrawPlace.id)
        )
    )
    db.session.rollback()
    by_draw: dict[int, list[int]] = defaultdict(list)
    for place_id, draw_id in due:
        by_draw[draw_id].append(place_id)
    results = []
    for draw_id, place_ids in by_draw.items():
        happened = []
        with db.transaction() as session:
            for place_id in place_ids:
                place = session.get(DrawPlace, place_id)
                if place.status != PlaceStatus.INVITED or place.answer_due_at > now:
                    continue  # answered meanwhile, or another worker got here first
                place.status = PlaceStatus.TIMED_OUT
                emit("draw.answer_timed_out", "system:tick", draw_id=draw_id, place_id=place.id)
                happened.append("timed_out")
                # the reserve's window starts when it is called (now), not when the seat was due
                call_reserve(session, "system:tick", place, now)
        if happened:
            results.append(TickResult(draw_id, tuple(happened)))
    for draw_id in draws_with_vacancies():
        rounds = fill_vacancies("system:tick", draw_id)
        if rounds:
            results.append(TickResult(draw_id, tuple(f"supplement_{r.state}" for r in rounds)))
    return results
