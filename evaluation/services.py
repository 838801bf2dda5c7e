"""Expert pools, CSV import, the verifiable draw, confirmation and confidentiality.

One function per use case, one transaction each (the draw takes two: the commitment is committed
before the committee is computed). The actor is an argument.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts.models import Organisation, Role, User
from bidhall.crypto import signed
from bidhall.crypto.models import Certificate, CertificatePurpose
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from evaluation.draws import rules
from evaluation.draws.models import DrawPlace, DrawRound, ExpertDraw, PlaceStatus
from evaluation.experts import rules as expert_rules
from evaluation.experts.models import (
    Expert,
    ExpertRelation,
    ExpertSpecialty,
    ExpertUnavailability,
    Pool,
)
from evaluation.venues.models import Venue
from trading.bids import services as trading_bids
from trading.tenders.models import Participation, Tender, TenderState
from trading.tenders.schemas import integer
from trading.tenders.services import can_manage

logger = logging.getLogger(__name__)

DRAWABLE_STATES = (TenderState.PUBLISHED, TenderState.CLOSED)
CHUNK = 500  # ids per IN (...) list


class ImportRejected(RuleViolation):
    code = "import_rejected"


def _setting(name: str, default: Any) -> Any:
    return config.current().get(name, default)


def _require_admin(actor: User | str) -> None:
    if isinstance(actor, str):
        return  # system:... (tests, the demo)
    if actor is None or actor.role != Role.ADMIN:
        raise Forbidden("this needs the admin role")


# --- pools and the import -----------------------------------------------------------------------


def create_pool(actor: User | str, region: str, name: str) -> Pool:
    _require_admin(actor)
    region = (region or "").strip()
    if not expert_rules.REGION_CODE.match(region):
        raise InvalidInput(f"region code {region!r} is not 2-12 letters or digits", field="region")
    with db.transaction() as session:
        if session.scalar(select(Pool.id).where(Pool.region == region)) is not None:
            raise Conflict(f"pool {region} exists", code="pool_exists")
        pool = Pool(region=region, name=(name or region).strip()[:120], created_at=clock.now())
        session.add(pool)
        session.flush()
        emit("pool.created", actor, pool_id=pool.id, region=region)
    return pool


def pools() -> Sequence[Pool]:
    return list(db.session.scalars(select(Pool).order_by(Pool.region)))


def import_experts(
    actor: User | str, raw_rows: Iterable[tuple[int, Mapping[str, str | None]]], source_sha256: str
) -> int:
    """Import every row or none: any invalid row refuses the whole file, listing each bad row's
    line number and reasons."""
    _require_admin(actor)
    parsed: list[expert_rules.ExpertRow] = []
    bad: dict[int, list[str]] = {}
    for line, raw in raw_rows:
        row, errors = expert_rules.parse_row(line, raw)
        if errors:
            bad[line] = errors
        else:
            parsed.append(row)
    timezone = ZoneInfo(_setting("DEFAULT_TIMEZONE", "Asia/Shanghai"))
    now = clock.now()
    with db.transaction() as session:
        _check_against_database(session, parsed, bad)
        if bad:
            rows = [{"line": line, "errors": errors} for line, errors in sorted(bad.items())]
            raise ImportRejected(
                f"{len(rows)} invalid row(s); nothing imported", rows=rows, invalid=len(rows)
            )
        if not parsed:
            raise ImportRejected("the file holds no expert rows", rows=[], invalid=0)
        users = _users_by_name(session, [row.username for row in parsed])
        # a plain executemany, then the new ids by identity number: RETURNING over many
        # batches costs more than one more indexed query per 500 rows
        session.execute(
            insert(Expert.__table__),
            [
                {
                    "user_id": users[row.username][0],
                    "id_number": row.id_number,
                    "name": row.name,
                    "region": row.region,
                    "employer": row.employer,
                    "employer_organisation_id": row.employer_organisation_id,
                    "credit_score": row.credit_score,
                    "penalised_until": row.penalised_until
                    and _local_midnight(row.penalised_until, timezone),
                    "created_at": now,
                }
                for row in parsed
            ],
        )
        new_ids: dict[str, int] = {}
        for chunk in _chunks([row.id_number for row in parsed]):
            new_ids.update(
                session.execute(
                    select(Expert.id_number, Expert.id).where(Expert.id_number.in_(chunk))
                ).all()
            )
        ids = [new_ids[row.id_number] for row in parsed]
        specialties, relations, unavailable = [], [], []
        for expert_id, row in zip(ids, parsed, strict=True):
            specialties += [{"expert_id": expert_id, "code": code} for code in row.specialties]
            relations += [
                {"expert_id": expert_id, "kind": k, "organisation_id": o, "person_name": p}
                for k, o, p in row.relations
            ]
            unavailable += [
                {
                    "expert_id": expert_id,
                    "starts_at": _local_midnight(first, timezone),
                    "ends_at": _local_midnight(last + timedelta(days=1), timezone),
                }
                for first, last in row.unavailable
            ]
        for model, values in (
            (ExpertSpecialty, specialties),
            (ExpertRelation, relations),
            (ExpertUnavailability, unavailable),
        ):
            if values:
                session.execute(insert(model.__table__), values)
        emit("experts.imported", actor, count=len(ids), sha256=source_sha256)
    logger.info("imported %s experts from %s", len(ids), source_sha256)
    return len(ids)


def _local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _users_by_name(session: Session, names: Sequence[str]) -> dict[str, tuple[int, Role]]:
    found = {}
    for chunk in _chunks(sorted(set(names))):
        for user_id, username, role in session.execute(
            select(User.id, User.username, User.role).where(User.username.in_(chunk))
        ):
            found[username] = (user_id, role)
    return found


def _check_against_database(
    session: Session, parsed: list[expert_rules.ExpertRow], bad: dict[int, list[str]]
) -> None:
    regions = set(session.scalars(select(Pool.region)))
    users = _users_by_name(session, [row.username for row in parsed])
    id_numbers = sorted({row.id_number for row in parsed})
    known_ids: set[str] = set()
    for chunk in _chunks(id_numbers):
        known_ids.update(
            session.scalars(select(Expert.id_number).where(Expert.id_number.in_(chunk)))
        )
    user_ids = sorted({u[0] for u in users.values()})
    experts_already: set[int] = set()
    for chunk in _chunks(user_ids):
        experts_already.update(
            session.scalars(select(Expert.user_id).where(Expert.user_id.in_(chunk)))
        )
    org_ids = sorted(
        {row.employer_organisation_id for row in parsed if row.employer_organisation_id}
        | {org for row in parsed for _k, org, _p in row.relations if org is not None}
    )
    known_orgs: set[int] = set()
    for chunk in _chunks(org_ids):
        known_orgs.update(
            session.scalars(select(Organisation.id).where(Organisation.id.in_(chunk)))
        )
    first_line_of_id: dict[str, int] = {}
    first_line_of_user: dict[str, int] = {}
    for row in parsed:
        errors = []
        if row.region not in regions:
            errors.append(f"unknown region {row.region!r} (no such pool)")
        if row.id_number in known_ids:
            errors.append(f"id_number {row.id_number} is already in the pool")
        elif row.id_number in first_line_of_id:
            errors.append(
                f"duplicate id_number {row.id_number} (first on line "
                f"{first_line_of_id[row.id_number]})"
            )
        first_line_of_id.setdefault(row.id_number, row.line)
        user = users.get(row.username)
        if user is None:
            errors.append(f"no user {row.username!r}")
        elif user[1] != Role.EXPERT:
            errors.append(f"user {row.username!r} does not have the expert role")
        elif user[0] in experts_already:
            errors.append(f"user {row.username!r} is already an expert")
        elif row.username in first_line_of_user:
            errors.append(
                f"duplicate username {row.username!r} (first on line "
                f"{first_line_of_user[row.username]})"
            )
        first_line_of_user.setdefault(row.username, row.line)
        if row.employer_organisation_id and row.employer_organisation_id not in known_orgs:
            errors.append(f"no organisation {row.employer_organisation_id} (employer)")
        for kind, org, _person in row.relations:
            if org is not None and org not in known_orgs:
                errors.append(f"no organisation {org} ({kind} relation)")
        if errors:
            bad[row.line] = errors


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
        return int(_setting("EXPERT_ANSWER_MINUTES", 120))
    rules.check_answer_minutes(request.answer_minutes)
    return request.answer_minutes


def _limits() -> rules.CommitteeLimits:
    defaults = rules.CommitteeLimits()
    return rules.CommitteeLimits(
        min_members=_setting("COMMITTEE_MIN_MEMBERS", defaults.min_members),
        large_budget=Decimal(str(_setting("GP_LARGE_BUDGET", defaults.large_budget))),
        large_min_members=_setting("GP_LARGE_MIN_MEMBERS", defaults.large_min_members),
    )


def _load_tender(session: Session, tender_id: int, *, for_update: bool = False) -> Tender:
    # locked: two draw requests for one tender queue here
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


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
        tender = _load_tender(session, tender_id, for_update=True)
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
        eligible, excluded = _candidates(session, tender, draw)
        frozen = rules.freeze(
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
        draw.seed_sha256 = rules.sha256_hex(seed)
        draw.frozen = frozen
        draw.list_sha256 = rules.sha256_hex(rules.canonical(frozen))
        draw.commitment = _signed_commitment(frozen, draw.seed_sha256, now)
        emit(
            "draw.committed",
            actor,
            draw_id=draw.id,
            tender_id=tender.id,
            seed_sha256=draw.seed_sha256,
            list_sha256=draw.list_sha256,
            exclusions_sha256=rules.exclusions_sha256(frozen),
            commitment_sha256=rules.sha256_hex(draw.commitment.encode()),
            eligible={r["region"]: len(r["candidates"]) for r in frozen["regions"]},
            excluded=len(frozen["excluded"]),
        )
        draw_id = draw.id
    return _draw_committee(actor, draw_id)


def _signed_commitment(frozen: Mapping[str, Any], seed_sha256: str, at: datetime) -> str:
    """The commitment as the platform signs it (bidhall.crypto.signed), in canonical JSON: kept
    as these very bytes, whose hash the ledger's commit event holds."""
    body = rules.commitment(frozen, seed_sha256, at)
    return rules.canonical(signed.sign(body, "commitment")).decode()


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
    timezone = ZoneInfo(_setting("DEFAULT_TIMEZONE", "Asia/Shanghai"))
    day = draw.scheduled_at.astimezone(timezone).date()
    start = _local_midnight(day, timezone)
    end = _local_midnight(day + timedelta(days=1), timezone)
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
        extra = {"seats_sha256": rules.sha256_hex(rules.canonical(seats))} if seats else {}
        emit(
            "draw.drawn",
            actor,
            draw_id=draw.id,
            tender_id=draw.tender_id,
            committee_sha256=rules.sha256_hex(rules.canonical(committee)),
            members=draw.members,
            **extra,
        )
    return get_draw(draw_id)


def _candidates(
    session: Session, tender: Tender, draw: ExpertDraw, regions: Sequence[str] | None = None
) -> tuple[dict[str, list[int]], dict[int, list[str]]]:
    """Every expert of the requested regions (default: the draw's) holding a requested
    specialty, split into the eligible (per region) and the excluded (with every reason)."""
    at = draw.scheduled_at
    regions = list(draw.quotas) if regions is None else list(regions)
    # a request for C is met by C or any code below it: C <= code < C + "~" ("~" sorts after
    # every letter and digit), which an index on the code serves on every database
    specialty_match = (
        select(ExpertSpecialty.expert_id)
        .where(
            or_(
                *[
                    and_(ExpertSpecialty.code >= c, ExpertSpecialty.code < c + "~")
                    for c in draw.specialties
                ]
            )
        )
        .distinct()
    )
    # the same test as bidhall.crypto.services.active_certificate(user_id, "signing", at)
    has_certificate = (
        exists()
        .where(
            Certificate.user_id == Expert.user_id,
            Certificate.purpose == CertificatePurpose.SIGNING,
            Certificate.not_before <= at,
            Certificate.not_after >= at,
            or_(Certificate.revoked_at.is_(None), Certificate.revoked_at > at),
        )
        .label("has_certificate")
    )
    rows = session.execute(
        select(
            Expert.id,
            Expert.region,
            Expert.employer_organisation_id,
            Expert.penalised_until,
            has_certificate,
        )
        .where(Expert.region.in_(regions), Expert.id.in_(specialty_match))
        .order_by(Expert.id)
    ).all()
    bidder_ids = frozenset(
        session.scalars(
            select(Participation.organisation_id).where(Participation.tender_id == tender.id)
        )
    )
    conflicting_orgs = bidder_ids | {tender.tenderer_id}
    relations: dict[int, set[int]] = defaultdict(set)
    for expert_id, organisation_id in session.execute(
        select(ExpertRelation.expert_id, ExpertRelation.organisation_id).where(
            ExpertRelation.organisation_id.in_(conflicting_orgs)
        )
    ):
        relations[expert_id].add(organisation_id)
    # relations naming a person only: met by a person (a user) of a bidder or of the tenderer;
    # only the candidates' relations are read (the pool may hold 100,000 experts)
    staff = session.execute(
        select(User.organisation_id, User.display_name).where(
            User.organisation_id.in_(conflicting_orgs)
        )
    ).all()
    bidder_people = frozenset(rules.normal_name(n) for org, n in staff if org in bidder_ids) - {""}
    tenderer_people = frozenset(
        rules.normal_name(n) for org, n in staff if org == tender.tenderer_id
    ) - {""}
    people: dict[int, set[str]] = defaultdict(set)
    if bidder_people or tenderer_people:
        candidate_ids = {row[0] for row in rows}
        for expert_id, person_name in session.execute(
            select(ExpertRelation.expert_id, ExpertRelation.person_name)
            .join(Expert, Expert.id == ExpertRelation.expert_id)
            .where(
                ExpertRelation.organisation_id.is_(None),
                ExpertRelation.person_name.is_not(None),
                Expert.region.in_(regions),
            )
        ):
            if expert_id in candidate_ids:
                name = rules.normal_name(person_name)
                if name:
                    people[expert_id].add(name)
    unavailable: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for expert_id, starts_at, ends_at in session.execute(
        select(
            ExpertUnavailability.expert_id,
            ExpertUnavailability.starts_at,
            ExpertUnavailability.ends_at,
        ).where(ExpertUnavailability.starts_at <= at, ExpertUnavailability.ends_at > at)
    ):
        unavailable[expert_id].append((starts_at, ends_at))
    since = rules.months_before(at, _setting("EXPERT_SERVICE_MONTHS", 12))
    services = dict(
        session.execute(
            select(DrawPlace.expert_id, func.count())
            .join(ExpertDraw, ExpertDraw.id == DrawPlace.draw_id)
            .where(
                ExpertDraw.tenderer_id == tender.tenderer_id,
                ExpertDraw.id != draw.id,
                ExpertDraw.scheduled_at >= since,
                ExpertDraw.scheduled_at <= at,
                DrawPlace.status == PlaceStatus.ACCEPTED,
            )
            .group_by(DrawPlace.expert_id)
        ).all()
    )
    conflicts = rules.Conflicts(
        tenderer_id=tender.tenderer_id,
        bidder_ids=bidder_ids,
        scheduled_at=at,
        max_services=_setting("EXPERT_MAX_SERVICES", 3),
        bidder_people=bidder_people,
        tenderer_people=tenderer_people,
    )
    eligible: dict[str, list[int]] = {region: [] for region in regions}
    excluded: dict[int, list[str]] = {}
    for expert_id, region, employer, penalised_until, certified in rows:
        reasons = rules.exclusion_reasons(
            rules.Candidate(
                expert_id=expert_id,
                employer_organisation_id=employer,
                relation_organisation_ids=frozenset(relations.get(expert_id, ())),
                relation_person_names=frozenset(people.get(expert_id, ())),
                penalised_until=penalised_until,
                has_certificate=bool(certified),
                unavailable=tuple(unavailable.get(expert_id, ())),
                services_to_tenderer=services.get(expert_id, 0),
            ),
            conflicts,
        )
        if reasons:
            excluded[expert_id] = reasons
        else:
            eligible[region].append(expert_id)
    return eligible, excluded


# --- confirmation -------------------------------------------------------------------------------


def _load_draw(session: Session, draw_id: int) -> ExpertDraw:
    draw = session.get(ExpertDraw, draw_id)
    if draw is None:
        raise NotFound(f"no draw {draw_id}", code="draw_not_found")
    return draw


def _place_of(session: Session, actor: User, draw_id: int) -> DrawPlace:
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
    return _place_of(db.session, actor, draw_id)


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
        place = _place_of(session, require_expert(actor), draw_id)
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
            _call_reserve(session, actor, place, now)
        place_id = place.id
    return db.session.get(DrawPlace, place_id)


def require_expert(actor: User) -> User:
    if actor is None or actor.role != Role.EXPERT:
        raise Forbidden("this needs the expert role")
    return actor


def _call_reserve(session: Session, actor: Any, vacated: DrawPlace, now: datetime) -> None:
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
                _call_reserve(session, "system:tick", place, now)
        if happened:
            results.append(TickResult(draw_id, tuple(happened)))
    for draw_id in _draws_with_vacancies():
        rounds = fill_vacancies("system:tick", draw_id)
        if rounds:
            results.append(TickResult(draw_id, tuple(f"supplement_{r.state}" for r in rounds)))
    return results


# --- supplementary rounds -----------------------------------------------------------------------


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


def _draws_with_vacancies() -> list[int]:
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
        tender = _load_tender(session, draw.tender_id)
        eligible, excluded = _candidates(session, tender, draw, [region])
        already = session.scalars(select(DrawPlace.expert_id).where(DrawPlace.draw_id == draw_id))
        number = len(previous) + 1
        frozen = rules.freeze_supplement(
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
            seed_sha256=rules.sha256_hex(seed),
            seed_hex=seed.hex(),
            frozen=frozen,
            list_sha256=rules.sha256_hex(rules.canonical(frozen)),
            commitment=_signed_commitment(frozen, rules.sha256_hex(seed), now),
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
            exclusions_sha256=rules.exclusions_sha256(frozen),
            commitment_sha256=rules.sha256_hex(round_.commitment.encode()),
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
            members_sha256=rules.sha256_hex(rules.canonical(members)),
        )
    return round_


# --- publication and visibility -----------------------------------------------------------------


def publish_result(actor: User, draw_id: int) -> ExpertDraw:
    """Make the committee public and reveal the seed, so anyone can verify the draw."""
    now = clock.now()
    with db.transaction() as session:
        draw = _load_draw(session, draw_id)
        tender = _load_tender(session, draw.tender_id)
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


def access(actor: User | None, draw: ExpertDraw) -> str:
    """What ``actor`` may see of ``draw``: "full" (names), "counts" (the agency: numbers and
    confirmation status only) or "own" (a drawn expert: its own invitation). Anyone else is told
    the draw does not exist."""
    if actor is not None:
        tender = db.session.get(Tender, draw.tender_id)
        if actor.role == Role.SUPERVISOR:
            return "full"
        if can_manage(actor, tender):
            return "full" if draw.state == "published" else "counts"
        if actor.role == Role.EXPERT:
            expert_id = db.session.scalar(select(Expert.id).where(Expert.user_id == actor.id))
            if any(p.expert_id == expert_id for p in draw.places):
                return "own"
    raise NotFound(f"no draw {draw.id}", code="draw_not_found")


def visible_draw(actor: User | None, draw_id: int) -> tuple[ExpertDraw, str]:
    draw = get_draw(draw_id)
    return draw, access(actor, draw)


def own_place(actor: User, draw: ExpertDraw) -> DrawPlace:
    return _place_of(db.session, actor, draw.id)


def invitations(actor: User) -> Sequence[DrawPlace]:
    require_expert(actor)
    return list(
        db.session.scalars(
            select(DrawPlace)
            .join(Expert, Expert.id == DrawPlace.expert_id)
            .where(Expert.user_id == actor.id, DrawPlace.status != PlaceStatus.RESERVE)
            .order_by(DrawPlace.id.desc())
        )
    )


def signed_commitment(draw_id: int, round_number: int = 0) -> str:
    """The platform-signed commitment of a draw (round 0) or of one of its supplementary
    rounds, as kept when it committed: public from that moment on, to anyone, since it holds
    hashes and ids only (``rules.commitment``)."""
    draw = get_draw(draw_id)
    if round_number == 0:
        text = draw.commitment
    else:
        text = db.session.scalar(
            select(DrawRound.commitment).where(
                DrawRound.draw_id == draw.id, DrawRound.number == round_number
            )
        )
    if text is None:
        where = "the draw" if round_number == 0 else f"supplementary round {round_number}"
        raise NotFound(
            f"no signed commitment of {where} of draw {draw_id} (a round committed before "
            "commitments were signed has only the ledger's commit event)",
            code="commitment_not_found",
        )
    return text


@dataclass(frozen=True)
class Exclusions:
    """What may be shown of a draw's exclusions now. Before the tender's reading out only how
    many candidates each region lost, all reasons pooled: who was excluded, and why
    (``employer_bidder``, ``relation_bidder``, ``person_bidder``), would tell who holds the
    tender documents (Law Art 22), and so would a count of the bidder-related reasons."""

    per_region: dict[str, int]
    rows: list[dict[str, Any]] | None  # the frozen list's ``excluded``; None until the reading out

    @property
    def total(self) -> int:
        return sum(self.per_region.values())


def bidders_disclosed(draw: ExpertDraw) -> bool:
    """Whether whatever tells who holds the draw's tender documents may be shown now: from its
    opening's reading out on (``trading.rules.disclosure``: its ``names``), to everyone, the
    supervisors and the tender's staff alike."""
    return trading_bids.disclosure(db.session.get(Tender, draw.tender_id)).names


def exclusions(draw: ExpertDraw) -> Exclusions:
    """The draw's exclusions as they may be shown now (``Exclusions``)."""
    rows = draw.frozen.get("excluded", [])
    per_region = dict.fromkeys(sorted(draw.quotas), 0)
    ids = [row["expert_id"] for row in rows]
    for chunk in _chunks(ids):
        for region, count in db.session.execute(
            select(Expert.region, func.count()).where(Expert.id.in_(chunk)).group_by(Expert.region)
        ):
            per_region[region] = per_region.get(region, 0) + count
    return Exclusions(per_region, list(rows) if bidders_disclosed(draw) else None)


def sees_names(actor: User | None, draw: ExpertDraw) -> bool:
    """The experts' names: the supervisors always, the tender's managers once the result is
    published (``access``); nobody else before the award."""
    try:
        return access(actor, draw) == "full"
    except NotFound:
        return False


def check_verifiable(draw: ExpertDraw) -> None:
    """DRAW.json is served once the result is published and the tender's opening has reached
    the reading out: its frozen list holds every exclusion with its reasons, hashed by
    ``list_sha256``, so it cannot be trimmed, and before the reading out those reasons would
    tell who holds the tender documents (Law Art 22). The signed commitment, public from the
    commit, is what a later check holds the file to."""
    if draw.state != "published":
        raise NotFound(
            f"no published result for draw {draw.id}: its draw document is served once the "
            "result is published and the tender's opening has reached the reading out",
            code="draw_not_published",
        )
    if not bidders_disclosed(draw):
        tender = db.session.get(Tender, draw.tender_id)
        raise NotFound(
            f"the draw document of draw {draw.id} is served from the reading out of tender "
            f"{tender.id}'s opening (bids close at {tender.bid_deadline.isoformat()}): its "
            "candidate list tells which experts were excluded and why, which would show who "
            "holds the tender documents (Law Art 22). Its signed commitment is public now: "
            f"GET /api/draws/{draw.id}/commitment",
            code="draw_not_verifiable_yet",
            tender_id=tender.id,
            bid_deadline=tender.bid_deadline.isoformat(),
        )


def is_verifiable(draw: ExpertDraw) -> bool:
    """Whether DRAW.json is served now (``check_verifiable``): the pages offer it then."""
    try:
        check_verifiable(draw)
    except NotFound:
        return False
    return True


def verification_document(actor: User | None, draw_id: int) -> dict[str, Any]:
    """DRAW.json: everything `bidhall draw verify` needs (ids only: it needs no name), once
    ``check_verifiable``. The drawn experts' names only for whoever ``sees_names``."""
    draw = get_draw(draw_id)
    check_verifiable(draw)
    with_names = sees_names(actor, draw)
    committee: dict[str, dict[str, list[int]]] = {
        r["region"]: {"members": [], "reserves": []} for r in draw.frozen["regions"]
    }
    seats: dict[str, list[list[int]]] = {
        str(v["venue_id"]): [] for v in draw.frozen.get("venues", [])
    }
    drawn = {}
    for place in sorted(draw.places, key=lambda p: (p.round, p.region, p.position)):
        drawn[str(place.expert_id)] = {
            "status": place.status,
            "round": place.round,
            "venue_id": place.venue_id,
            "workstation": place.workstation,
        } | ({"name": place.expert.name} if with_names else {})
        if place.round:
            continue  # a supplementary round's member: see "supplements"
        quota = draw.quotas[place.region]
        key = "members" if place.position < quota else "reserves"
        committee[place.region][key].append(place.expert_id)
        if key == "members" and place.venue_id is not None:
            seats[str(place.venue_id)].append([place.expert_id, place.workstation])
    rounds = db.session.scalars(
        select(DrawRound).where(DrawRound.draw_id == draw.id).order_by(DrawRound.number)
    )
    supplements = [
        {
            "round": r.number,
            "region": r.region,
            "state": r.state,
            "seed": r.seed_hex,
            "seed_sha256": r.seed_sha256,
            "frozen": r.frozen,
            "list_sha256": r.list_sha256,
            "members": r.members,
        }
        for r in rounds
        if r.state == "drawn"
    ]
    extra: dict[str, Any] = {}
    if draw.frozen.get("format") == rules.FORMAT_VENUES:
        extra["seats"] = seats
    if supplements:
        extra["supplements"] = supplements
    return extra | {
        "format": rules.FORMAT,
        "draw_id": draw.id,
        "tender_id": draw.tender_id,
        "seed_sha256": draw.seed_sha256,
        "seed": draw.seed_hex,
        "list_sha256": draw.list_sha256,
        "frozen": draw.frozen,
        "committee": committee,
        "drawn": drawn,
        "published_at": draw.published_at.isoformat(),
    }


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_csv(data: bytes) -> list[tuple[int, dict[str, str | None]]]:
    """The rows of an expert CSV (UTF-8, a header line naming the columns of docs/draw.md),
    each with its line number in the file."""
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", code="invalid_csv") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in expert_rules.REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"the header line lacks the column(s) {', '.join(missing)}",
            code="invalid_csv",
            missing=missing,
        )
    unknown = [c for c in header if c not in expert_rules.IMPORT_COLUMNS]
    if unknown:
        raise InvalidInput(
            f"unknown column(s) {', '.join(unknown)}", code="invalid_csv", unknown=unknown
        )
    rows = []
    for row in reader:
        rows.append((reader.line_num, row))
    return rows
