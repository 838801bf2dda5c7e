"""Who may be drawn: every expert of the requested regions holding a requested specialty, eligible
or excluded with every reason (evaluation.draws.rules decides)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from bidhall import config
from bidhall.accounts.models import User
from bidhall.crypto.models import Certificate, CertificatePurpose
from evaluation.draws import rules
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.experts.models import (
    Expert,
    ExpertRelation,
    ExpertSpecialty,
    ExpertUnavailability,
)
from trading.credit import services as credit
from trading.tenders.models import Participation, Tender


def candidates(
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
            Expert.credit_score,
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
    since = rules.months_before(at, config.setting("EXPERT_SERVICE_MONTHS", 12))
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
        max_services=config.setting("EXPERT_MAX_SERVICES", 3),
        bidder_people=bidder_people,
        tenderer_people=tenderer_people,
    )
    eligible: dict[str, list[int]] = {region: [] for region in regions}
    excluded: dict[int, list[str]] = {}
    # the credit decisions in force at the draw's time, on top of the score the pool imported
    barred = credit.barred_experts(session, {row[0]: row[4] for row in rows}, at)
    for expert_id, region, employer, penalised_until, _score, certified in rows:
        reasons = rules.exclusion_reasons(
            rules.Candidate(
                expert_id=expert_id,
                employer_organisation_id=employer,
                relation_organisation_ids=frozenset(relations.get(expert_id, ())),
                relation_person_names=frozenset(people.get(expert_id, ())),
                penalised_until=penalised_until,
                credit_barred=expert_id in barred,
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
