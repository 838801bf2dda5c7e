"""Committee rules and the verifiable draw: plain values in, a decision out or a DomainError.

Standard library only (plus bidhall.errors), so `bidhall draw verify` recomputes a committee
offline from a DRAW.json with nothing but this module. docs/draw.md describes the exact rule.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bidhall.canonical import canonical as canonical_bytes
from bidhall.errors import InvalidInput, RuleViolation

FORMAT = "bidhall-draw/1"
SPECIALTY_CODE = re.compile(r"^[A-Z][0-9]{2}(?:[0-9]{2}){0,3}$")
REGION_CODE = re.compile(r"^[0-9A-Za-z]{2,12}$")
ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
RELATION_KINDS = ("relative", "former_employer", "shareholding")

# exclusion reason codes, in the order they are checked (all that apply are recorded)
PENALISED = "penalised"
NO_CERTIFICATE = "no_certificate"
UNAVAILABLE = "unavailable"
EMPLOYER_BIDDER = "employer_bidder"
EMPLOYER_TENDERER = "employer_tenderer"
RELATION_BIDDER = "relation_bidder"
RELATION_TENDERER = "relation_tenderer"
SERVED_TOO_OFTEN = "served_too_often"


class PoolShort(RuleViolation):
    code = "pool_short"


class DrawMismatch(RuleViolation):
    code = "draw_mismatch"


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
) -> None:
    """≥ 5 members and odd (≥ 7 for large government procurement); quotas sum to the members."""
    minimum = limits.min_members
    if rule_set == "gov_procurement" and budget >= limits.large_budget:
        minimum = max(minimum, limits.large_min_members)
    if members < minimum or members % 2 == 0:
        raise RuleViolation(
            f"a committee needs an odd number of members, at least {minimum}; {members} asked",
            code="committee_size",
            minimum=minimum,
        )
    if not quotas:
        raise RuleViolation("give a quota for at least one region", code="quota_missing")
    if any(count < 0 for count in quotas.values()) or any(c < 0 for c in reserves.values()):
        raise RuleViolation("quotas and reserves cannot be negative", code="quota_negative")
    if sum(quotas.values()) != members:
        raise RuleViolation(
            f"the regions' quotas add up to {sum(quotas.values())}, not the {members} members",
            code="quota_sum",
        )
    stray = sorted(set(reserves) - set(quotas))
    if stray:
        raise RuleViolation(
            f"reserves for regions without a quota: {', '.join(stray)}", code="reserve_region"
        )


def check_scheduled(scheduled_at: datetime, now: datetime) -> None:
    if scheduled_at <= now:
        raise RuleViolation("the evaluation must be scheduled in the future", code="scheduled_past")


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
) -> dict[str, Any]:
    """The candidate list as it is hashed: per region, the eligible expert ids in ascending
    order, and every excluded expert with its reasons."""
    return {
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


def rank(seed: bytes, draw_id: int, region: str, candidates: Iterable[int]) -> list[int]:
    """The region's draw order: candidates sorted by HMAC-SHA256(seed, "draw_id|region|id")."""

    def key(expert_id: int) -> tuple[bytes, int]:
        message = f"{draw_id}|{region}|{expert_id}".encode()
        return hmac.new(seed, message, hashlib.sha256).digest(), expert_id

    return sorted(candidates, key=key)


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
    return problems


# --- CSV rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertRow:
    line: int
    id_number: str
    name: str
    username: str
    region: str
    specialties: tuple[str, ...]
    employer: str
    employer_organisation_id: int | None
    relations: tuple[tuple[str, int, str | None], ...]  # (kind, organisation id, person)
    unavailable: tuple[tuple[date, date], ...]  # inclusive local dates
    credit_score: int
    penalised_until: date | None


IMPORT_COLUMNS = (
    "id_number",
    "name",
    "username",
    "region",
    "specialties",
    "employer",
    "employer_organisation_id",
    "relations",
    "unavailable",
    "credit_score",
    "penalised_until",
)
REQUIRED_COLUMNS = ("id_number", "name", "username", "region", "specialties", "employer")


def parse_row(line: int, raw: Mapping[str, str | None]) -> tuple[ExpertRow | None, list[str]]:
    """One CSV row's values, or the reasons it is invalid (every one, not just the first)."""
    errors: list[str] = []

    def value(key: str) -> str:
        return (raw.get(key) or "").strip()

    for key in REQUIRED_COLUMNS:
        if not value(key):
            errors.append(f"{key} is missing")
    id_number = value("id_number").upper()
    if id_number and not ID_NUMBER.match(id_number):
        errors.append(f"id_number {id_number!r} is not 17 digits and a check digit or X")
    if len(value("name")) > 120:
        errors.append("name is longer than 120 characters")
    if len(value("employer")) > 200:
        errors.append("employer is longer than 200 characters")
    specialties = tuple(s.strip().upper() for s in value("specialties").split(";") if s.strip())
    for code in specialties:
        if not SPECIALTY_CODE.match(code):
            errors.append(f"specialty code {code!r} is not a letter and 2, 4, 6 or 8 digits")
    employer_org = _optional_int(value("employer_organisation_id"), "employer_organisation_id")
    if isinstance(employer_org, str):
        errors.append(employer_org)
        employer_org = None
    relations = []
    for item in filter(None, (r.strip() for r in value("relations").split(";"))):
        parts = item.split(":", 2)
        kind = parts[0].strip()
        org = _optional_int(parts[1].strip() if len(parts) > 1 else "", "relation organisation")
        if kind not in RELATION_KINDS or len(parts) < 2 or not isinstance(org, int):
            errors.append(
                f"relation {item!r} is not kind:organisation_id[:person] with kind one of "
                + ", ".join(RELATION_KINDS)
            )
            continue
        person = parts[2].strip() if len(parts) == 3 and parts[2].strip() else None
        relations.append((kind, org, person))
    unavailable = []
    for item in filter(None, (r.strip() for r in value("unavailable").split(";"))):
        first, _, last = item.partition("/")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat((last or first).strip())
        except ValueError:
            errors.append(f"unavailable range {item!r} is not YYYY-MM-DD/YYYY-MM-DD")
            continue
        if end < start:
            errors.append(f"unavailable range {item!r} ends before it starts")
            continue
        unavailable.append((start, end))
    score = _optional_int(value("credit_score"), "credit_score")
    if isinstance(score, str) or (score is not None and not 0 <= score <= 100):
        errors.append("credit_score must be a whole number from 0 to 100")
        score = None
    penalised = None
    if value("penalised_until"):
        try:
            penalised = date.fromisoformat(value("penalised_until"))
        except ValueError:
            errors.append("penalised_until is not a date YYYY-MM-DD")
    if errors:
        return None, errors
    return (
        ExpertRow(
            line=line,
            id_number=id_number,
            name=value("name"),
            username=value("username"),
            region=value("region"),
            specialties=tuple(dict.fromkeys(specialties)),
            employer=value("employer"),
            employer_organisation_id=employer_org,
            relations=tuple(relations),
            unavailable=tuple(unavailable),
            credit_score=100 if score is None else score,
            penalised_until=penalised,
        ),
        [],
    )


def _optional_int(text: str, name: str) -> int | None | str:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return f"{name} {text!r} is not a whole number"
