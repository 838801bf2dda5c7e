"""Pure draw rules: committee limits, exclusions, venue quotas, the seeded ranking, the committee
and its seats."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bidhall import lottery
from bidhall.errors import RuleViolation

FORMAT = "bidhall-draw/1"  # quotas per region pool
FORMAT_VENUES = "bidhall-draw/2"  # quotas per venue: /1 plus the venues and their workstations
SUPPLEMENT_FORMAT = "bidhall-draw-supplement/1"  # a later round filling seats left empty

# exclusion reason codes, in the order they are checked (all that apply are recorded)
PENALISED = "penalised"
CREDIT = "credit_barred"  # black-listed, or scored under the minimum (trading/credit/rules.py)
NO_CERTIFICATE = "no_certificate"
UNAVAILABLE = "unavailable"
EMPLOYER_BIDDER = "employer_bidder"
EMPLOYER_TENDERER = "employer_tenderer"
RELATION_BIDDER = "relation_bidder"
RELATION_TENDERER = "relation_tenderer"
PERSON_BIDDER = "person_bidder"  # a declared relation names a person of a bidder
PERSON_TENDERER = "person_tenderer"  # ... or a person of the tenderer
SERVED_TOO_OFTEN = "served_too_often"


class PoolShort(RuleViolation):
    code = "pool_short"


class DrawMismatch(RuleViolation):
    code = "draw_mismatch"


class VenueShort(RuleViolation):
    code = "venue_short"


# --- the committee ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitteeLimits:
    min_members: int = 5
    large_budget: Decimal = Decimal("10000000")
    large_min_members: int = 7  # gov_procurement budgets >= large_budget (GP-87)


def check_committee(
    members: int,
    quotas: Mapping[str, int],
    reserves: Mapping[str, int],
    rule_set: str,
    budget: Decimal,
    limits: CommitteeLimits = CommitteeLimits(),
    representatives: int = 0,
) -> None:
    """≥ 5 members and odd (≥ 7 for large government procurement), experts ≥ 2/3 of them; the
    quotas (drawn experts) sum to the members less the tenderer's representatives."""
    minimum = limits.min_members
    if rule_set == "gov_procurement" and budget >= limits.large_budget:
        minimum = max(minimum, limits.large_min_members)
    if members < minimum or members % 2 == 0:
        raise RuleViolation(
            f"a committee needs an odd number of members, at least {minimum}; {members} asked",
            code="committee_size",
            minimum=minimum,
        )
    check_representatives(members, representatives)
    experts = members - representatives
    if not quotas:
        raise RuleViolation("give a quota for at least one region", code="quota_missing")
    if any(count < 0 for count in quotas.values()) or any(c < 0 for c in reserves.values()):
        raise RuleViolation("quotas and reserves cannot be negative", code="quota_negative")
    if sum(quotas.values()) != experts:
        raise RuleViolation(
            f"the regions' quotas add up to {sum(quotas.values())}, not the {experts} experts "
            f"({members} members less {representatives} tenderer's representatives)",
            code="quota_sum",
        )
    stray = sorted(set(reserves) - set(quotas))
    if stray:
        raise RuleViolation(
            f"reserves for regions without a quota: {', '.join(stray)}", code="reserve_region"
        )


def check_representatives(members: int, representatives: int) -> None:
    """The tenderer's representatives (招标人代表) sit beside the drawn experts, who must be at
    least two thirds of the members (Law Art 37; GP-87 Art 45)."""
    if representatives < 0:
        raise RuleViolation(
            "the number of tenderer's representatives cannot be negative", code="representatives"
        )
    experts = members - representatives
    if 3 * experts < 2 * members:
        allowed = members // 3
        raise RuleViolation(
            f"experts must be at least 2/3 of the {members} members: at most {allowed} "
            f"tenderer's representatives, {representatives} asked",
            code="representatives",
            allowed=allowed,
        )


def check_scheduled(scheduled_at: datetime, now: datetime) -> None:
    if scheduled_at <= now:
        raise RuleViolation("the evaluation must be scheduled in the future", code="scheduled_past")


def check_evaluation_after_opening(bid_deadline: datetime, scheduled_at: datetime) -> None:
    """The evaluation follows the opening (= the bid deadline): before it nobody, the committee
    included, may learn who has bid or how many (Law Art 22), and the committee's check-in and
    recusal declaration need the bidders' names, which the reading out (唱标) makes public."""
    if scheduled_at <= bid_deadline:
        raise RuleViolation(
            f"the evaluation must be scheduled after the opening at {bid_deadline.isoformat()}",
            code="evaluation_before_opening",
            opening=bid_deadline.isoformat(),
        )


# A draw's confirmation window (docs/draw.md, "Confirm"): at least 5 minutes, so that the tick
# (every TICK_SECONDS) and the notification's delivery take a small share of it; at most a day,
# since every decline or time-out gives the next reserve a whole window again.
ANSWER_MINUTES_MIN = 5
ANSWER_MINUTES_MAX = 1440


def check_answer_minutes(minutes: int) -> None:
    if not ANSWER_MINUTES_MIN <= minutes <= ANSWER_MINUTES_MAX:
        raise RuleViolation(
            f"the confirmation window is {ANSWER_MINUTES_MIN} to {ANSWER_MINUTES_MAX} minutes, "
            f"not {minutes}",
            code="answer_minutes",
            minimum=ANSWER_MINUTES_MIN,
            maximum=ANSWER_MINUTES_MAX,
            given=minutes,
        )


def meets_specialty(requested: Iterable[str], held: Iterable[str]) -> bool:
    """A request for code C is met by a specialty equal to C or below it (starting with C)."""
    held = list(held)
    return any(code.startswith(wanted) for wanted in requested for code in held)


# --- exclusions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What the exclusion rules need to know of one expert."""

    expert_id: int
    employer_organisation_id: int | None = None
    relation_organisation_ids: frozenset[int] = frozenset()
    # relations declared by a person's name only (no organisation), as normal_name() gives
    relation_person_names: frozenset[str] = frozenset()
    penalised_until: datetime | None = None
    credit_barred: bool = False  # trading/credit: black-listed or scored too low at the time
    has_certificate: bool = True
    unavailable: tuple[tuple[datetime, datetime], ...] = ()
    services_to_tenderer: int = 0


@dataclass(frozen=True)
class Conflicts:
    tenderer_id: int
    bidder_ids: frozenset[int] = field(default_factory=frozenset)
    scheduled_at: datetime | None = None
    max_services: int = 3
    # the names (normal_name) of the people of the bidders and of the tenderer: their users
    bidder_people: frozenset[str] = field(default_factory=frozenset)
    tenderer_people: frozenset[str] = field(default_factory=frozenset)


def normal_name(name: str) -> str:
    """A person's name as the conflict check compares it: case folded, inner spaces collapsed,
    full-width forms folded (NFKC), so "Wang  Fang", "wang fang" and "Ｗａｎｇ Ｆａｎｇ" meet;
    "王芳" and "王 芳" meet too, since spaces inside a Chinese name carry no meaning."""
    folded = unicodedata.normalize("NFKC", name or "").casefold()
    words = folded.split()
    if all(_is_cjk(word) for word in words):
        return "".join(words)
    return " ".join(words)


def _is_cjk(word: str) -> bool:
    return all("\u3400" <= char <= "\u9fff" or char == "·" for char in word)


def exclusion_reasons(candidate: Candidate, conflicts: Conflicts) -> list[str]:
    """Every reason that keeps ``candidate`` out of this draw (empty: eligible)."""
    at = conflicts.scheduled_at
    reasons = []
    if candidate.penalised_until is not None and at is not None and candidate.penalised_until > at:
        reasons.append(PENALISED)
    if candidate.credit_barred:
        reasons.append(CREDIT)
    if not candidate.has_certificate:
        reasons.append(NO_CERTIFICATE)
    if at is not None and any(start <= at < end for start, end in candidate.unavailable):
        reasons.append(UNAVAILABLE)
    employer = candidate.employer_organisation_id
    if employer is not None and employer in conflicts.bidder_ids:
        reasons.append(EMPLOYER_BIDDER)
    if employer is not None and employer == conflicts.tenderer_id:
        reasons.append(EMPLOYER_TENDERER)
    if candidate.relation_organisation_ids & conflicts.bidder_ids:
        reasons.append(RELATION_BIDDER)
    if conflicts.tenderer_id in candidate.relation_organisation_ids:
        reasons.append(RELATION_TENDERER)
    if candidate.relation_person_names & conflicts.bidder_people:
        reasons.append(PERSON_BIDDER)
    if candidate.relation_person_names & conflicts.tenderer_people:
        reasons.append(PERSON_TENDERER)
    # at most N services to one tenderer in the window: the N-th was the last one allowed
    if candidate.services_to_tenderer >= conflicts.max_services:
        reasons.append(SERVED_TOO_OFTEN)
    return reasons


def months_before(moment: datetime, months: int) -> datetime:
    """The same day-of-month ``months`` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    days = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# --- the draw: pools, ranking, the committee and its seats ----------------------------------------


def check_pools(frozen: Mapping[str, Any]) -> None:
    """Refuse the whole draw when any region cannot fill its quota and reserves."""
    short = [
        {
            "region": r["region"],
            "needed": r["quota"] + r["reserves"],
            "eligible": len(r["candidates"]),
            "shortfall": r["quota"] + r["reserves"] - len(r["candidates"]),
        }
        for r in frozen["regions"]
        if len(r["candidates"]) < r["quota"] + r["reserves"]
    ]
    if short:
        text = "; ".join(
            f"region {s['region']} has {s['eligible']} eligible experts for {s['needed']} "
            f"places (short by {s['shortfall']})"
            for s in short
        )
        raise PoolShort(f"the pools cannot meet the quota: {text}", regions=short)
    check_venues(frozen)


def check_venues(frozen: Mapping[str, Any]) -> None:
    """A ``bidhall-draw/2`` list: each venue has a free workstation for each of its seats, and
    a region's venues together hold exactly the region's quota."""
    if frozen.get("format") != FORMAT_VENUES:
        return
    venues = frozen["venues"]
    short = [
        {
            "venue_id": v["venue_id"],
            "code": v["code"],
            "seats": v["quota"],
            "workstations": len(v["workstations"]),
            "shortfall": v["quota"] - len(v["workstations"]),
        }
        for v in venues
        if len(v["workstations"]) < v["quota"]
    ]
    if short:
        text = "; ".join(
            f"venue {s['code']} has {s['workstations']} free workstations for {s['seats']} "
            f"members (short by {s['shortfall']})"
            for s in short
        )
        raise VenueShort(f"the venues cannot seat the committee: {text}", venues=short)
    for region in frozen["regions"]:
        seats = sum(v["quota"] for v in venues if v["region"] == region["region"])
        if seats != region["quota"]:
            raise DrawMismatch(
                f"region {region['region']}: its venues seat {seats}, its quota is "
                f"{region['quota']}"
            )


def rank(seed: bytes, draw_id: int | str, region: str, candidates: Iterable[int]) -> list[int]:
    """The region's draw order: candidates sorted by HMAC-SHA256(seed, "draw_id|region|id").
    A supplementary round's label is "draw_id/round" in place of the draw id."""

    return lottery.rank(seed, f"{draw_id}|{region}", candidates)


def seat(
    seed: bytes, frozen: Mapping[str, Any], committee: Mapping[str, Mapping[str, list[int]]]
) -> dict[str, list[list[int]]]:
    """Where each member sits (a ``bidhall-draw/2`` list; empty for /1): per venue id (a
    string), ``[expert_id, workstation]`` pairs. A region's members, in draw order, fill its
    venues in ascending venue id order; each venue's free workstations are ranked by
    HMAC-SHA256(seed, "draw_id|venue:venue_id|number") and given to its members in that order."""
    if frozen.get("format") != FORMAT_VENUES:
        return {}
    seats: dict[str, list[list[int]]] = {}
    for region in frozen["regions"]:
        members = list(committee[region["region"]]["members"])
        start = 0
        for venue in frozen["venues"]:
            if venue["region"] != region["region"]:
                continue
            label = f"venue:{venue['venue_id']}"
            stations = rank(seed, frozen["draw_id"], label, venue["workstations"])
            chosen = members[start : start + venue["quota"]]
            start += venue["quota"]
            seats[str(venue["venue_id"])] = [
                [expert_id, station] for expert_id, station in zip(chosen, stations, strict=False)
            ]
    return seats


def draw_supplement(seed: bytes, frozen: Mapping[str, Any]) -> list[int]:
    """The experts taking the empty seats, one per seat in the seats' order: the first of the
    round's draw order, ranked as ``rank`` does with the label "draw_id/round"."""
    needed = len(frozen["seats"])
    candidates = frozen["candidates"]
    if len(candidates) < needed:
        raise PoolShort(
            f"region {frozen['region']} has {len(candidates)} eligible experts left for "
            f"{needed} empty seats (short by {needed - len(candidates)})",
            regions=[
                {
                    "region": frozen["region"],
                    "needed": needed,
                    "eligible": len(candidates),
                    "shortfall": needed - len(candidates),
                }
            ],
        )
    label = f"{frozen['draw_id']}/{frozen['round']}"
    return rank(seed, label, frozen["region"], candidates)[:needed]


def draw(seed: bytes, frozen: Mapping[str, Any]) -> dict[str, dict[str, list[int]]]:
    """The committee: per region, the first ``quota`` of the draw order are members and the
    next ``reserves`` are reserves, in order."""
    check_pools(frozen)
    result = {}
    for region in frozen["regions"]:
        order = rank(seed, frozen["draw_id"], region["region"], region["candidates"])
        quota, reserves = region["quota"], region["reserves"]
        result[region["region"]] = {
            "members": order[:quota],
            "reserves": order[quota : quota + reserves],
        }
    return result


# --- venue quotas ---------------------------------------------------------------------------------


VENUE_ROLES = ("main", "secondary")  # 主场 / 副场


@dataclass(frozen=True)
class VenueQuota:
    venue_id: int
    quota: int
    reserves: int = 0
    role: str = "secondary"


def check_venue_quotas(venues: Iterable[VenueQuota]) -> None:
    """Each venue once, each with at least one seat; exactly one main venue (the tender's home
    centre), the others secondary."""
    venues = list(venues)
    ids = [v.venue_id for v in venues]
    if len(set(ids)) != len(ids):
        raise RuleViolation("a venue is named twice", code="venue_twice")
    for venue in venues:
        if venue.quota < 1:
            raise RuleViolation(
                f"venue {venue.venue_id}: a venue of the committee seats at least one member",
                code="venue_empty",
            )
        if venue.reserves < 0:
            raise RuleViolation("reserves cannot be negative", code="quota_negative")
        if venue.role not in VENUE_ROLES:
            raise RuleViolation(
                f"venue {venue.venue_id}: role {venue.role!r} is not main or secondary",
                code="venue_role",
            )
    mains = [v for v in venues if v.role == "main"]
    if len(mains) != 1:
        raise RuleViolation(
            f"a committee spread over venues has exactly one main venue; {len(mains)} given",
            code="main_venue",
        )


def region_quotas(
    venues: Iterable[VenueQuota], region_of: Mapping[int, str]
) -> tuple[dict[str, int], dict[str, int]]:
    """The quotas and reserves per region pool that the venues' quotas add up to (each venue
    draws from its own centre's pool)."""
    quotas: dict[str, int] = {}
    reserves: dict[str, int] = {}
    for venue in venues:
        region = region_of[venue.venue_id]
        quotas[region] = quotas.get(region, 0) + venue.quota
        reserves[region] = reserves.get(region, 0) + venue.reserves
    return quotas, reserves
