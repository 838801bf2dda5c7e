"""Pure draw rules: committee limits, exclusions, the seeded ranking, venue quotas, the commitment
and its verification."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bidhall.canonical import canonical as canonical_bytes
from bidhall.errors import InvalidInput, RuleViolation

FORMAT = "bidhall-draw/1"  # quotas per region pool


FORMAT_VENUES = "bidhall-draw/2"  # quotas per venue: /1 plus the venues and their workstations


SUPPLEMENT_FORMAT = "bidhall-draw-supplement/1"  # a later round filling seats left empty


COMMITMENT_FORMAT = "bidhall-draw-commitment/1"  # what the platform signs when a round commits


# exclusion reason codes, in the order they are checked (all that apply are recorded)
PENALISED = "penalised"


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


# --- the frozen list and the draw ---------------------------------------------------------------


canonical = canonical_bytes  # the one byte form that is hashed (bidhall.canonical)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def freeze(
    draw_id: int,
    tender_id: int,
    specialties: Iterable[str],
    scheduled_at: datetime,
    quotas: Mapping[str, int],
    reserves: Mapping[str, int],
    eligible: Mapping[str, Iterable[int]],
    excluded: Mapping[int, Iterable[str]],
    venues: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The candidate list as it is hashed: per region, the eligible expert ids in ascending
    order, and every excluded expert with its reasons. With ``venues`` (each: venue_id, code,
    region, role, quota and the free workstation numbers) the list is a ``bidhall-draw/2``:
    the same, plus the venues in ascending id order."""
    frozen = {
        "format": FORMAT,
        "draw_id": draw_id,
        "tender_id": tender_id,
        "specialties": sorted(set(specialties)),
        "scheduled_at": scheduled_at.isoformat(),
        "regions": [
            {
                "region": region,
                "quota": int(quotas[region]),
                "reserves": int(reserves.get(region, 0)),
                "candidates": sorted(int(i) for i in eligible.get(region, ())),
            }
            for region in sorted(quotas)
        ],
        "excluded": [
            {"expert_id": int(expert_id), "reasons": list(reasons)}
            for expert_id, reasons in sorted(excluded.items())
        ],
    }
    if venues is not None:
        frozen["format"] = FORMAT_VENUES
        frozen["venues"] = [
            {
                "venue_id": int(venue["venue_id"]),
                "code": str(venue["code"]),
                "region": str(venue["region"]),
                "role": str(venue["role"]),
                "quota": int(venue["quota"]),
                "workstations": sorted(int(n) for n in venue["workstations"]),
            }
            for venue in sorted(venues, key=lambda v: int(v["venue_id"]))
        ]
    return frozen


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

    def key(expert_id: int) -> tuple[bytes, int]:
        message = f"{draw_id}|{region}|{expert_id}".encode()
        return hmac.new(seed, message, hashlib.sha256).digest(), expert_id

    return sorted(candidates, key=key)


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


# --- a supplementary round, when a region's reserves run out ------------------------------------


def freeze_supplement(
    draw_id: int,
    tender_id: int,
    round_number: int,
    region: str,
    specialties: Iterable[str],
    scheduled_at: datetime,
    seats: Iterable[Mapping[str, Any]],
    already_drawn: Iterable[int],
    eligible: Iterable[int],
    excluded: Mapping[int, Iterable[str]],
) -> dict[str, Any]:
    """The candidate list of a supplementary round: the empty seats it fills (in the order they
    were vacated), the experts drawn already in any round (never candidates again) and the
    region's eligible experts as the exclusions stand now."""
    drawn = sorted({int(i) for i in already_drawn})
    return {
        "format": SUPPLEMENT_FORMAT,
        "draw_id": draw_id,
        "tender_id": tender_id,
        "round": round_number,
        "region": region,
        "specialties": sorted(set(specialties)),
        "scheduled_at": scheduled_at.isoformat(),
        "seats": [
            {
                "vacated_place_id": int(s["vacated_place_id"]),
                "venue_id": None if s.get("venue_id") is None else int(s["venue_id"]),
                "workstation": None if s.get("workstation") is None else int(s["workstation"]),
            }
            for s in seats
        ],
        "already_drawn": drawn,
        "candidates": sorted(set(int(i) for i in eligible) - set(drawn)),
        "excluded": [
            {"expert_id": int(expert_id), "reasons": list(reasons)}
            for expert_id, reasons in sorted(excluded.items())
        ],
    }


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


def exclusions_sha256(frozen: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical form of a frozen list's ``excluded`` array."""
    return sha256_hex(canonical(frozen.get("excluded") if isinstance(frozen, Mapping) else None))


def commitment(frozen: Mapping[str, Any], seed_sha256: str, committed_at: datetime) -> dict:
    """What the platform signs and publishes the moment a draw (or a supplementary round)
    commits: hashes and ids only, so that it names no expert and tells nothing of the result,
    yet binds the seed, the candidate list and its exclusions before anything is drawn."""
    body = {
        "format": COMMITMENT_FORMAT,
        "draw_id": frozen["draw_id"],
        "tender_id": frozen["tender_id"],
        "round": frozen.get("round", 0),
        "list_format": frozen["format"],
        "seed_sha256": seed_sha256,
        "list_sha256": sha256_hex(canonical(frozen)),
        "exclusions_sha256": exclusions_sha256(frozen),
        "committed_at": committed_at.isoformat(),
    }
    if frozen["format"] == SUPPLEMENT_FORMAT:
        body["region"] = frozen["region"]
    return body


def check_commitment(document: Mapping[str, Any], committed: Mapping[str, Any]) -> list[str]:
    """Every way a DRAW.json differs from a commitment's body (its signature checked by the
    caller): the round it names must be in the file, and its seed, candidate list and
    exclusions must hash to the committed values."""
    number = committed.get("round")
    if committed.get("draw_id") != document.get("draw_id"):
        return [
            f"the commitment is for draw {committed.get('draw_id')}, the file for draw "
            f"{document.get('draw_id')}"
        ]
    if committed.get("tender_id") != document.get("tender_id"):
        return [
            f"the commitment is for tender {committed.get('tender_id')}, the file for tender "
            f"{document.get('tender_id')}"
        ]
    if number == 0:
        name, part = "the draw", document
    else:
        supplements = document.get("supplements") or []
        rounds = [s for s in supplements if isinstance(s, Mapping) and s.get("round") == number]
        if not rounds:
            return [f"the commitment is for supplementary round {number}, not in the file"]
        name, part = f"supplementary round {number}", rounds[0]
    frozen = part.get("frozen")
    problems = []
    try:
        seed_hash = sha256_hex(bytes.fromhex(part.get("seed")))
    except (TypeError, ValueError):
        seed_hash = None
    if seed_hash != committed.get("seed_sha256"):
        problems.append(f"{name}: the seed does not hash to the committed seed_sha256")
    list_format = frozen.get("format") if isinstance(frozen, Mapping) else None
    if list_format != committed.get("list_format"):
        problems.append(
            f"{name}: the candidate list is a {list_format}, the committed one a "
            f"{committed.get('list_format')}"
        )
    if sha256_hex(canonical(frozen)) != committed.get("list_sha256"):
        problems.append(f"{name}: the candidate list does not hash to the committed list_sha256")
    if exclusions_sha256(frozen) != committed.get("exclusions_sha256"):
        problems.append(
            f"{name}: the exclusions do not hash to the committed exclusions_sha256 (an "
            "excluded expert was added or removed, or its reasons changed)"
        )
    return problems


def verify(document: Mapping[str, Any]) -> list[str]:
    """Every mismatch in a DRAW.json (empty: the committee is the one seed and list give)."""
    problems = []
    try:
        seed = bytes.fromhex(document["seed"])
        frozen = document["frozen"]
        committee = document["committee"]
        commitment = document["seed_sha256"]
        list_hash = document["list_sha256"]
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(
            f"not a draw verification file: {error}", code="invalid_draw_file"
        ) from None
    if len(seed) != 32:
        problems.append("the seed is not 32 bytes")
    if sha256_hex(seed) != commitment:
        problems.append("the seed does not match the published commitment (seed_sha256)")
    if sha256_hex(canonical(frozen)) != list_hash:
        problems.append("the candidate list does not match its published hash (list_sha256)")
    try:
        recomputed = draw(seed, frozen)
    except (PoolShort, KeyError, TypeError) as error:
        problems.append(f"the committee cannot be recomputed: {error}")
        return problems
    if recomputed != committee:
        problems.append("the committee differs from the one seed and list give")
    if frozen.get("format") == FORMAT_VENUES and seat(seed, frozen, recomputed) != document.get(
        "seats"
    ):
        problems.append("the venues and workstations differ from the ones seed and list give")
    for supplement in document.get("supplements") or []:
        problems += verify_supplement(supplement, frozen)
    return problems


def verify_supplement(supplement: Mapping[str, Any], main: Mapping[str, Any]) -> list[str]:
    """Every mismatch in one supplementary round of a DRAW.json."""
    try:
        number = supplement["round"]
        seed = bytes.fromhex(supplement["seed"])
        frozen = supplement["frozen"]
        members = supplement["members"]
        commitment, list_hash = supplement["seed_sha256"], supplement["list_sha256"]
    except (KeyError, TypeError, ValueError) as error:
        return [f"supplementary round: not a round record ({error})"]
    name = f"supplementary round {number}"
    problems = []
    if sha256_hex(seed) != commitment:
        problems.append(f"{name}: the seed does not match its commitment (seed_sha256)")
    if sha256_hex(canonical(frozen)) != list_hash:
        problems.append(f"{name}: the candidate list does not match its hash (list_sha256)")
    if frozen.get("draw_id") != main.get("draw_id") or frozen.get("round") != number:
        problems.append(f"{name}: the list belongs to another draw or round")
    if set(frozen.get("candidates", [])) & set(frozen.get("already_drawn", [])):
        problems.append(f"{name}: an expert drawn already is a candidate again")
    try:
        recomputed = draw_supplement(seed, frozen)
    except (PoolShort, KeyError, TypeError) as error:
        problems.append(f"{name}: the members cannot be recomputed: {error}")
        return problems
    if recomputed != members:
        problems.append(f"{name}: the members differ from the ones seed and list give")
    return problems


# --- venues, the recusal declaration and check-in -----------------------------------------------


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
