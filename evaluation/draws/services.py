"""The draw request: the candidate list frozen and committed to a secret seed (one transaction,
committed first), then the committee drawn from them (a second); and the result's publication."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts.models import Role, User
from bidhall.crypto import signed
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from evaluation.draws import commitment, rules
from evaluation.draws.eligibility import candidates
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.experts import rules as expert_rules
from evaluation.experts.models import Pool
from evaluation.experts.services import local_midnight
from evaluation.venues.models import Venue
from trading.tenders.models import Tender, TenderState
from trading.tenders.queries import can_manage
from trading.tenders.schemas import integer

DRAWABLE_STATES = (TenderState.PUBLISHED, TenderState.CLOSED)


# --- the draw -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawRequest:
    specialties: tuple[str, ...]
    members: int
    quotas: dict[str, int]
    reserves: dict[str, int]
    scheduled_at: datetime
    representatives: int = 0  # tenderer's representatives beside the drawn experts
    # quotas per venue (each draws from its centre's pool); the region quotas then follow
    venues: tuple[rules.VenueQuota, ...] = ()
    # the confirmation window of this draw's invitations; None: the EXPERT_ANSWER_MINUTES setting
    answer_minutes: int | None = None


def venue_quotas(value: Any) -> tuple[rules.VenueQuota, ...]:
    """The per-venue quotas as the JSON API and the draw page give them:
    ``[{"venue_id": 1, "quota": 3, "reserves": 1, "role": "main"}, ...]`` (numbers or their
    digits; ``reserves`` default 0, ``role`` default secondary). None: no venues. The rules
    (each venue once, exactly one main venue, ...) are ``rules.check_venue_quotas``'s."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
        raise InvalidInput(
            "venues: give a list of {venue_id, quota, reserves, role}", code="invalid_field"
        )
    result = []
    for index, item in enumerate(value):
        prefix = f"venues[{index}]."
        role = item.get("role", "secondary")
        if not isinstance(role, str):
            raise InvalidInput(f"{prefix}role: main or secondary", code="invalid_field")
        result.append(
            rules.VenueQuota(
                venue_id=integer(item, "venue_id", prefix=prefix),
                quota=integer(item, "quota", prefix=prefix),
                reserves=integer(item, "reserves", default=0, prefix=prefix),
                role=role,
            )
        )
    return tuple(result)


def answer_minutes(data: Mapping[str, Any]) -> int | None:
    """The request's optional ``answer_minutes`` (a number or its digits; absent or blank: None,
    the platform's setting), as the JSON API and the draw page give it."""
    if data.get("answer_minutes") in (None, ""):
        return None
    return integer(data, "answer_minutes")


def answer_window(request: DrawRequest) -> int:
    """The draw's confirmation window in minutes: the request's, within
    ``rules.ANSWER_MINUTES_MIN``..``MAX``, else the platform's setting."""
    if request.answer_minutes is None:
        return int(config.setting("EXPERT_ANSWER_MINUTES", 120))
    rules.check_answer_minutes(request.answer_minutes)
    return request.answer_minutes


def _limits() -> rules.CommitteeLimits:
    defaults = rules.CommitteeLimits()
    return rules.CommitteeLimits(
        min_members=config.setting("COMMITTEE_MIN_MEMBERS", defaults.min_members),
        large_budget=Decimal(str(config.setting("GP_LARGE_BUDGET", defaults.large_budget))),
        large_min_members=config.setting("GP_LARGE_MIN_MEMBERS", defaults.large_min_members),
    )


def load_tender(session: Session, tender_id: int, *, for_update: bool = False) -> Tender:
    # locked: two draw requests for one tender queue here
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


def _load_draw(session: Session, draw_id: int) -> ExpertDraw:
    draw = session.get(ExpertDraw, draw_id)
    if draw is None:
        raise NotFound(f"no draw {draw_id}", code="draw_not_found")
    return draw


def require_manager(actor: User, tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    if not can_manage(actor, tender):
        raise Forbidden("only the tenderer or its agency may draw experts for this tender")
    return tender


def draw_experts(actor: User, tender_id: int, request: DrawRequest) -> ExpertDraw:
    """Freeze the candidate list and commit to a secret seed (one unit, committed first), then
    draw the committee from them (a second unit)."""
    now = clock.now()
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        if not can_manage(actor, tender):
            raise Forbidden("only the tenderer or its agency may draw experts for this tender")
        if tender.state not in DRAWABLE_STATES:
            raise Conflict(
                "experts are drawn for a published or closed tender, "
                f"not a {tender.state.value} one",
                code="tender_state",
            )
        if session.scalar(select(ExpertDraw.id).where(ExpertDraw.tender_id == tender.id)):
            raise Conflict("this tender's committee has been drawn already", code="draw_exists")
        for code in request.specialties:
            if not expert_rules.SPECIALTY_CODE.match(code):
                raise InvalidInput(f"specialty code {code!r} is not valid", field="specialties")
        if not request.specialties:
            raise InvalidInput("give at least one specialty code", field="specialties")
        venues: dict[int, Venue] = {}
        quotas, reserves = request.quotas, request.reserves
        if request.venues:
            rules.check_venue_quotas(request.venues)
            venues = _load_venues(session, [v.venue_id for v in request.venues])
            quotas, reserves = rules.region_quotas(
                request.venues, {v.id: v.region for v in venues.values()}
            )
            if request.quotas and request.quotas != quotas:
                raise RuleViolation(
                    "the region quotas differ from the ones the venues' quotas add up to "
                    f"({quotas}): give one or the other",
                    code="quota_mismatch",
                    quotas=quotas,
                )
            if request.reserves and request.reserves != reserves:
                raise RuleViolation(
                    "give reserves per venue when the quotas are per venue",
                    code="quota_mismatch",
                )
        rules.check_committee(
            request.members,
            quotas,
            reserves,
            tender.rule_set,
            tender.ceiling_total,
            _limits(),
            request.representatives,
        )
        rules.check_scheduled(request.scheduled_at, now)
        rules.check_evaluation_after_opening(tender.bid_deadline, request.scheduled_at)
        window_minutes = answer_window(request)
        known = set(session.scalars(select(Pool.region).where(Pool.region.in_(quotas))))
        unknown = sorted(set(quotas) - known)
        if unknown:
            raise RuleViolation(
                f"no pool for region(s) {', '.join(unknown)}", code="unknown_region"
            )
        draw = ExpertDraw(
            tender_id=tender.id,
            tenderer_id=tender.tenderer_id,
            requested_by_id=actor.id,
            state="committed",
            specialties=sorted(set(request.specialties)),
            members=request.members,
            representatives=request.representatives,
            quotas=dict(quotas),
            reserves={r: reserves.get(r, 0) for r in quotas},
            venues=[
                {"venue_id": v.venue_id, "role": v.role, "quota": v.quota, "reserves": v.reserves}
                for v in sorted(request.venues, key=lambda v: v.venue_id)
            ]
            or None,
            scheduled_at=request.scheduled_at,
            answer_minutes=window_minutes,
            seed_sha256="",
            seed_hex="",
            frozen={},
            list_sha256="",
            created_at=now,
        )
        session.add(draw)
        session.flush()
        eligible, excluded = candidates(session, tender, draw)
        frozen = commitment.freeze(
            draw.id,
            tender.id,
            draw.specialties,
            request.scheduled_at,
            draw.quotas,
            draw.reserves,
            eligible,
            excluded,
            _frozen_venues(session, draw, venues) if venues else None,
        )
        rules.check_pools(frozen)  # no partial committee: refuse before anything is kept
        seed = secrets.token_bytes(32)
        draw.seed_hex = seed.hex()
        draw.seed_sha256 = commitment.sha256_hex(seed)
        draw.frozen = frozen
        draw.list_sha256 = commitment.sha256_hex(commitment.canonical(frozen))
        draw.commitment = sign_commitment(frozen, draw.seed_sha256, now)
        emit(
            "draw.committed",
            actor,
            draw_id=draw.id,
            tender_id=tender.id,
            seed_sha256=draw.seed_sha256,
            list_sha256=draw.list_sha256,
            exclusions_sha256=commitment.exclusions_sha256(frozen),
            commitment_sha256=commitment.sha256_hex(draw.commitment.encode()),
            eligible={r["region"]: len(r["candidates"]) for r in frozen["regions"]},
            excluded=len(frozen["excluded"]),
        )
        draw_id = draw.id
    return _draw_committee(actor, draw_id)


def sign_commitment(frozen: Mapping[str, Any], seed_sha256: str, at: datetime) -> str:
    """The commitment as the platform signs it (bidhall.crypto.signed), in canonical JSON: kept
    as these very bytes, whose hash the ledger's commit event holds."""
    body = commitment.commitment(frozen, seed_sha256, at)
    return commitment.canonical(signed.sign(body, "commitment")).decode()


def _load_venues(session: Session, venue_ids: Sequence[int]) -> dict[int, Venue]:
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(venue_ids)))}
    unknown = sorted(set(venue_ids) - set(venues))
    if unknown:
        raise RuleViolation(
            f"no venue {', '.join(map(str, unknown))}", code="unknown_venue", venues=unknown
        )
    return venues


def _frozen_venues(
    session: Session, draw: ExpertDraw, venues: Mapping[int, Venue]
) -> list[dict[str, Any]]:
    """The draw's venues as the frozen list keeps them, each with its workstations that no
    other committee holds on the evaluation's local day."""
    timezone = ZoneInfo(config.setting("DEFAULT_TIMEZONE", "Asia/Shanghai"))
    day = draw.scheduled_at.astimezone(timezone).date()
    start = local_midnight(day, timezone)
    end = local_midnight(day + timedelta(days=1), timezone)
    result = []
    for entry in draw.venues or []:
        venue = venues[entry["venue_id"]]
        taken = set(
            session.scalars(
                select(DrawPlace.workstation)
                .join(ExpertDraw, ExpertDraw.id == DrawPlace.draw_id)
                .where(
                    DrawPlace.venue_id == venue.id,
                    DrawPlace.status.in_(PlaceStatus.OPEN),
                    ExpertDraw.id != draw.id,
                    ExpertDraw.scheduled_at >= start,
                    ExpertDraw.scheduled_at < end,
                )
            )
        )
        result.append(
            {
                "venue_id": venue.id,
                "code": venue.code,
                "region": venue.region,
                "role": entry["role"],
                "quota": entry["quota"],
                "workstations": [n for n in range(1, venue.workstations + 1) if n not in taken],
            }
        )
    return result


def _draw_committee(actor: User, draw_id: int) -> ExpertDraw:
    now = clock.now()
    with db.transaction() as session:
        draw = _load_draw(session, draw_id)
        window = timedelta(minutes=draw.answer_minutes)
        seed = bytes.fromhex(draw.seed_hex)
        committee = rules.draw(seed, draw.frozen)
        seats = rules.seat(seed, draw.frozen, committee)
        seat_of = {
            expert_id: (int(venue_id), station)
            for venue_id, pairs in seats.items()
            for expert_id, station in pairs
        }
        for region, drawn in committee.items():
            for position, expert_id in enumerate(drawn["members"] + drawn["reserves"]):
                member = position < len(drawn["members"])
                venue_id, station = seat_of.get(expert_id, (None, None))
                session.add(
                    DrawPlace(
                        draw_id=draw.id,
                        expert_id=expert_id,
                        region=region,
                        position=position,
                        status=PlaceStatus.INVITED if member else PlaceStatus.RESERVE,
                        invited_at=now if member else None,
                        answer_due_at=now + window if member else None,
                        round=0,
                        venue_id=venue_id,
                        workstation=station,
                    )
                )
        draw.state = "drawn"
        draw.drawn_at = now
        # no expert ids in the ledger before publication: the committee's hash only
        extra = (
            {"seats_sha256": commitment.sha256_hex(commitment.canonical(seats))} if seats else {}
        )
        emit(
            "draw.drawn",
            actor,
            draw_id=draw.id,
            tender_id=draw.tender_id,
            committee_sha256=commitment.sha256_hex(commitment.canonical(committee)),
            members=draw.members,
            **extra,
        )
    return get_draw(draw_id)


# --- publication --------------------------------------------------------------------------------


def publish_result(actor: User, draw_id: int) -> ExpertDraw:
    """Make the committee public and reveal the seed, so anyone can verify the draw."""
    now = clock.now()
    with db.transaction() as session:
        draw = _load_draw(session, draw_id)
        tender = load_tender(session, draw.tender_id)
        if not (can_manage(actor, tender) or actor.role == Role.SUPERVISOR):
            raise NotFound(f"no draw {draw_id}", code="draw_not_found")
        if draw.state != "drawn":
            raise Conflict(f"the draw is {draw.state}, not drawn", code="draw_state")
        waiting = [p for p in draw.places if p.status == PlaceStatus.INVITED]
        if waiting:
            raise Conflict(
                f"{len(waiting)} invitation(s) still await an answer", code="answers_pending"
            )
        empty = [
            p for p in draw.places if p.status in PlaceStatus.VACATED and p.replaced_by_id is None
        ]
        if empty:
            raise Conflict(
                f"{len(empty)} seat(s) are empty and the region's pool has nobody left to "
                "draw: widen the request (another region or venue) before publishing",
                code="seats_vacant",
            )
        draw.state = "published"
        draw.published_at = now
        draw.published_by_id = actor.id
        emit(
            "draw.published",
            actor,
            draw_id=draw.id,
            tender_id=draw.tender_id,
            seed_hex=draw.seed_hex,
            seed_sha256=draw.seed_sha256,
            list_sha256=draw.list_sha256,
            seated=sorted(p.expert_id for p in draw.places if p.status == PlaceStatus.ACCEPTED),
        )
    return get_draw(draw_id)


def get_draw(draw_id: int) -> ExpertDraw:
    draw = db.session.get(ExpertDraw, draw_id)
    if draw is None:
        raise NotFound(f"no draw {draw_id}", code="draw_not_found")
    return draw
