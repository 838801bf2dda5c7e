"""Supplementary rounds: a seat left empty when the region's reserves have run out is filled by a
new committed draw from the experts left."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import User
from bidhall.db import db, fetch_one
from bidhall.events import emit
from evaluation.draws import commitment, rules
from evaluation.draws.eligibility import candidates
from evaluation.draws.models import DrawPlace, DrawRound, ExpertDraw, PlaceStatus
from evaluation.draws.services import load_tender, sign_commitment


def _vacant_seats(session: Session, draw_id: int) -> list[DrawPlace]:
    """Seats left (declined, timed out, recused) that nobody took, oldest first."""
    return list(
        session.scalars(
            select(DrawPlace)
            .where(
                DrawPlace.draw_id == draw_id,
                DrawPlace.status.in_(PlaceStatus.VACATED),
                DrawPlace.replaced_by_id.is_(None),
            )
            .order_by(DrawPlace.answered_at, DrawPlace.id)
        )
    )


def draws_with_vacancies() -> list[int]:
    """Draws with an empty seat in a region whose last supplementary round was not short."""
    ids = list(
        db.session.scalars(
            select(DrawPlace.draw_id)
            .join(ExpertDraw, ExpertDraw.id == DrawPlace.draw_id)
            .where(
                ExpertDraw.state.in_(("drawn", "published")),
                DrawPlace.status.in_(PlaceStatus.VACATED),
                DrawPlace.replaced_by_id.is_(None),
            )
            .distinct()
            .order_by(DrawPlace.draw_id)
        )
    )
    db.session.rollback()
    return ids


def vacancies(draw_id: int) -> dict[str, int]:
    """Empty seats per region."""
    counts: dict[str, int] = defaultdict(int)
    for place in _vacant_seats(db.session, draw_id):
        counts[place.region] += 1
    return dict(counts)


def fill_vacancies(actor: User | str, draw_id: int) -> list[DrawRound]:
    """A supplementary round for each region with empty seats and no reserve left: the commit
    (a new secret seed, the region's remaining eligible experts frozen and hashed) in one unit,
    the draw in a second. A region whose pool is exhausted gets one round marked ``short``
    (and ``draw.supplement_short``), not one per tick."""
    rounds = []
    for region in sorted(vacancies(draw_id)):
        committed = _commit_supplement(actor, draw_id, region)
        if committed is None:
            continue
        rounds.append(_draw_supplement(actor, committed))
    return rounds


def _commit_supplement(actor: User | str, draw_id: int, region: str) -> int | None:
    now = clock.now()
    with db.transaction() as session:
        draw = fetch_one(session, ExpertDraw, draw_id, lock=True)
        seats = [p for p in _vacant_seats(session, draw_id) if p.region == region]
        reserves_left = session.scalar(
            select(func.count())
            .select_from(DrawPlace)
            .where(
                DrawPlace.draw_id == draw_id,
                DrawPlace.region == region,
                DrawPlace.status == PlaceStatus.RESERVE,
            )
        )
        if not seats or reserves_left:
            return None
        previous = list(
            session.scalars(
                select(DrawRound).where(DrawRound.draw_id == draw_id).order_by(DrawRound.number)
            )
        )
        last_vacated = max(p.id for p in seats)
        if any(
            r.region == region
            and r.state == "short"
            and max(s["vacated_place_id"] for s in r.frozen["seats"]) >= last_vacated
            for r in previous
        ):
            return None  # this region's pool was exhausted for these very seats
        tender = load_tender(session, draw.tender_id)
        eligible, excluded = candidates(session, tender, draw, [region])
        already = session.scalars(select(DrawPlace.expert_id).where(DrawPlace.draw_id == draw_id))
        number = len(previous) + 1
        frozen = commitment.freeze_supplement(
            draw.id,
            draw.tender_id,
            number,
            region,
            draw.specialties,
            draw.scheduled_at,
            [
                {"vacated_place_id": p.id, "venue_id": p.venue_id, "workstation": p.workstation}
                for p in seats
            ],
            list(already),
            eligible[region],
            excluded,
        )
        seed = secrets.token_bytes(32)
        round_ = DrawRound(
            draw_id=draw.id,
            number=number,
            region=region,
            state="committed",
            seed_sha256=commitment.sha256_hex(seed),
            seed_hex=seed.hex(),
            frozen=frozen,
            list_sha256=commitment.sha256_hex(commitment.canonical(frozen)),
            commitment=sign_commitment(frozen, commitment.sha256_hex(seed), now),
            members=[],
            created_at=now,
        )
        session.add(round_)
        session.flush()
        emit(
            "draw.supplement_committed",
            actor,
            draw_id=draw.id,
            round=number,
            region=region,
            seats=len(seats),
            seed_sha256=round_.seed_sha256,
            list_sha256=round_.list_sha256,
            exclusions_sha256=commitment.exclusions_sha256(frozen),
            commitment_sha256=commitment.sha256_hex(round_.commitment.encode()),
            eligible=len(frozen["candidates"]),
        )
        return round_.id


def _draw_supplement(actor: User | str, round_id: int) -> DrawRound:
    now = clock.now()
    with db.transaction() as session:
        round_ = fetch_one(session, DrawRound, round_id, lock=True)
        window = timedelta(
            minutes=session.scalar(
                select(ExpertDraw.answer_minutes).where(ExpertDraw.id == round_.draw_id)
            )
        )
        frozen = round_.frozen
        try:
            members = rules.draw_supplement(bytes.fromhex(round_.seed_hex), frozen)
        except rules.PoolShort as error:
            round_.state = "short"
            round_.drawn_at = now
            emit(
                "draw.supplement_short",
                actor,
                draw_id=round_.draw_id,
                round=round_.number,
                region=round_.region,
                detail=error.message,
            )
            return round_
        for position, (expert_id, seat) in enumerate(zip(members, frozen["seats"], strict=True)):
            place = DrawPlace(
                draw_id=round_.draw_id,
                expert_id=expert_id,
                region=round_.region,
                position=position,
                status=PlaceStatus.INVITED,
                invited_at=now,
                answer_due_at=now + window,
                round=round_.number,
                venue_id=seat["venue_id"],
                workstation=seat["workstation"],
            )
            session.add(place)
            session.flush()
            vacated = session.get(DrawPlace, seat["vacated_place_id"])
            vacated.replaced_by_id = place.id
        round_.members = members
        round_.state = "drawn"
        round_.drawn_at = now
        # as for the draw itself: no identities in the ledger before publication
        emit(
            "draw.supplement_drawn",
            actor,
            draw_id=round_.draw_id,
            round=round_.number,
            region=round_.region,
            members_sha256=commitment.sha256_hex(commitment.canonical(members)),
        )
    return round_
