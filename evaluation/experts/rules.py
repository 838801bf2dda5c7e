"""Pure rules for the experts' register: codes, the import file's rows and their checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bidhall import inputs
from bidhall.errors import InvalidInput

SPECIALTY_CODE = re.compile(r"^[A-Z][0-9]{2}(?:[0-9]{2}){0,3}$")


REGION_CODE = re.compile(r"^[0-9A-Za-z]{2,12}$")


ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")


RELATION_KINDS = ("relative", "former_employer", "shareholding")


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
    # (kind, organisation id or None, person or None): one of the two at least
    relations: tuple[tuple[str, int | None, str | None], ...]
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
        # kind:organisation_id[:person], or kind::person for a person with no organisation
        parts = item.split(":", 2)
        kind = parts[0].strip()
        org = _optional_int(parts[1].strip() if len(parts) > 1 else "", "relation organisation")
        person = parts[2].strip() if len(parts) == 3 and parts[2].strip() else None
        if (
            kind not in RELATION_KINDS
            or len(parts) < 2
            or isinstance(org, str)
            or (org is None and person is None)
        ):
            errors.append(
                f"relation {item!r} is not kind:organisation_id[:person] or kind::person with "
                "kind one of " + ", ".join(RELATION_KINDS)
            )
            continue
        if person is not None and len(person) > 120:
            errors.append(f"relation {item!r}: the person's name is longer than 120 characters")
            continue
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
        return inputs.integer(text, name)
    except InvalidInput:
        return f"{name} {text!r} is not a whole number up to {inputs.INT_MAX}"
