"""The drawn experts' answers to their invitations, and the reserve called to a seat left empty."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.draws.supplements import fill_vacancies
from evaluation.experts.models import Expert


def place_of(session: Session, actor: User, draw_id: int) -> DrawPlace:
    place = session.scalar(
        select(DrawPlace)
        .join(Expert, Expert.id == DrawPlace.expert_id)
        .where(DrawPlace.draw_id == draw_id, Expert.user_id == actor.id)
    )
    if place is None:
        raise NotFound(f"no draw {draw_id}", code="draw_not_found")
    return place


def require_invited(actor: User, draw_id: int) -> DrawPlace:
    """Refuse early anyone who is not an expert drawn in this draw."""
    if actor is None or actor.role != Role.EXPERT:
        raise Forbidden("this needs the expert role")
    return place_of(db.session, actor, draw_id)


def answer_invitation(
    actor: User, draw_id: int, accept: bool, reason: str | None = None
) -> DrawPlace:
    """The drawn expert accepts or declines (a decline may say why: it is kept on the place and
    in the ledger, for the supervisor)."""
    if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
        raise InvalidInput(
            "reason: text of at most 2000 characters", code="invalid_field", field="reason"
        )
    place = _answer(actor, draw_id, accept, (reason or "").strip() or None)
    if not accept:
        fill_vacancies(actor, draw_id)  # reserves run out: a supplementary round at once
    return db.session.get(DrawPlace, place.id)


def _answer(actor: User, draw_id: int, accept: bool, reason: str | None = None) -> DrawPlace:
    now = clock.now()
    with db.transaction() as session:
        place = place_of(session, require_role(actor, Role.EXPERT), draw_id)
        if place.status != PlaceStatus.INVITED:
            raise Conflict(
                f"there is no open invitation to answer (yours is {place.status})",
                code="not_invited",
            )
        if place.answer_due_at is not None and now >= place.answer_due_at:
            raise RuleViolation(
                f"the answer was due at {place.answer_due_at.isoformat()}",
                code="answer_window_closed",
            )
        place.answered_at = now
        place.status = PlaceStatus.ACCEPTED if accept else PlaceStatus.DECLINED
        place.decline_reason = None if accept else reason
        emit(
            "draw.answered",
            actor,
            draw_id=draw_id,
            place_id=place.id,
            accepted=accept,
            reason=place.decline_reason,
        )
        if not accept:
            call_reserve(session, actor, place, now)
        place_id = place.id
    return db.session.get(DrawPlace, place_id)


def call_reserve(session: Session, actor: Any, vacated: DrawPlace, now: datetime) -> None:
    """The next reserve of the same region, in draw order, takes the vacated seat (and its
    venue and workstation). With none left, the seat waits for a supplementary round."""
    reserve = session.scalar(
        select(DrawPlace)
        .where(
            DrawPlace.draw_id == vacated.draw_id,
            DrawPlace.region == vacated.region,
            DrawPlace.status == PlaceStatus.RESERVE,
        )
        .order_by(DrawPlace.round, DrawPlace.position)
        .limit(1)
    )
    if reserve is None:
        emit(
            "draw.reserves_exhausted",
            actor,
            draw_id=vacated.draw_id,
            region=vacated.region,
            vacated_place_id=vacated.id,
        )
        return
    reserve.status = PlaceStatus.INVITED
    reserve.invited_at = now
    # the draw's own window, as its members had
    minutes = session.scalar(
        select(ExpertDraw.answer_minutes).where(ExpertDraw.id == vacated.draw_id)
    )
    reserve.answer_due_at = now + timedelta(minutes=minutes)
    reserve.venue_id, reserve.workstation = vacated.venue_id, vacated.workstation
    vacated.replaced_by_id = reserve.id
    emit(
        "draw.reserve_called",
        actor,
        draw_id=vacated.draw_id,
        region=vacated.region,
        vacated_place_id=vacated.id,
        place_id=reserve.id,
        position=reserve.position,
    )
