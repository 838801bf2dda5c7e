"""Pure rules of the draw's proof: the frozen candidate lists, the commitment the platform signs,
and the verification of a DRAW.json."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bidhall.canonical import canonical as canonical_bytes
from bidhall.errors import InvalidInput
from evaluation.draws.rules import (
    FORMAT,
    FORMAT_VENUES,
    SUPPLEMENT_FORMAT,
    PoolShort,
    draw,
    draw_supplement,
    seat,
)

COMMITMENT_FORMAT = "bidhall-draw-commitment/1"  # what the platform signs when a round commits


# --- the frozen lists -----------------------------------------------------------------------------


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


# --- the commitment and the verification ----------------------------------------------------------


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
