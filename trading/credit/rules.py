"""Pure credit rules: the kinds of decision, their validation, when one is in force, the score a
subject's deductions leave, and whether a subject is on the black list.

- Quantitative scoring (量化记分): a subject starts at ``FULL_SCORE``; each deduction in force
  takes its points off, the score never going under 0.
- A deduction counts for ``DEDUCTION_VALID_DAYS`` from its start unless the supervisor gives
  another end: the provinces' scoring measures count points over a 12-month scoring period
  (记分周期), after which they are cleared.
- A black listing (失信) bars the subject from bidding (an organisation) or from the expert draw
  (an expert) while in force; a red listing earns incentives. Both need an end: a list entry is
  always for a period.
- An expert whose score is under ``EXPERT_MIN_SCORE`` leaves the pool until it recovers: 60 is
  the floor of the lowest grade but one (C: 60-74) of the usual 100-point credit grades, under
  which a subject is graded D (poor)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bidhall.errors import Conflict, InvalidInput

SUBJECT_KINDS = ("organisation", "expert")
ORGANISATION_KINDS = ("bidder", "agency")  # the organisations credit decisions are about
DEDUCTION, BLACK_LIST, RED_LIST = "deduction", "black_list", "red_list"
KINDS = (DEDUCTION, BLACK_LIST, RED_LIST)
LISTS = (BLACK_LIST, RED_LIST)
ALERT, COMPLAINT, OTHER = "alert", "complaint", "other"
BASIS_KINDS = (ALERT, COMPLAINT, OTHER)

FULL_SCORE = 100
MAX_POINTS = 100
DEDUCTION_VALID_DAYS = 365
EXPERT_MIN_SCORE = 60
MAX_REASON = 4000
INT_MAX = 2_147_483_647  # the database's INTEGER


@dataclass(frozen=True)
class Entry:
    """A decision as the rules read it."""

    kind: str
    points: int | None
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """A decision as validated, ready to record."""

    subject_kind: str
    kind: str
    points: int | None
    reason: str
    basis_kind: str
    basis_id: int | None
    basis_ref: str | None
    valid_from: datetime
    valid_until: datetime


def in_force(entry: Entry, at: datetime) -> bool:
    """From its start (inclusive) to its end (exclusive), unless revoked by then."""
    if entry.revoked_at is not None and entry.revoked_at <= at:
        return False
    return entry.valid_from <= at < entry.valid_until


def score(entries: Iterable[Entry], at: datetime, base: int = FULL_SCORE) -> int:
    """``base`` less the points of the deductions in force at ``at``, never under 0."""
    deducted = sum(e.points or 0 for e in entries if e.kind == DEDUCTION and in_force(e, at))
    return max(0, base - deducted)


def black_listing(entries: Iterable[Entry], at: datetime) -> Entry | None:
    """The black listing in force at ``at`` that ends last, or None."""
    listed = [e for e in entries if e.kind == BLACK_LIST and in_force(e, at)]
    return max(listed, key=lambda e: e.valid_until) if listed else None


def expert_barred(entries: Iterable[Entry], at: datetime, base: int = FULL_SCORE) -> bool:
    """An expert on the black list, or scored under ``EXPERT_MIN_SCORE``, is not drawn."""
    entries = list(entries)
    return black_listing(entries, at) is not None or score(entries, at, base) < EXPERT_MIN_SCORE


def check_decision(
    *,
    subject_kind: Any,
    kind: Any,
    points: Any,
    reason: Any,
    basis_kind: Any,
    basis_id: Any,
    basis_ref: Any,
    valid_from: Any,
    valid_until: Any,
    now: datetime,
    zone: str,
) -> Decision:
    """Validate a decision as given (JSON or a form): its subject's kind, kind, points, reason,
    basis and validity. A deduction's end defaults to ``DEDUCTION_VALID_DAYS`` after its start;
    the start defaults to ``now``; a list entry needs its end."""
    if subject_kind not in SUBJECT_KINDS:
        raise _invalid("subject_kind", "one of " + ", ".join(SUBJECT_KINDS))
    if kind not in KINDS:
        raise _invalid("kind", "one of " + ", ".join(KINDS))
    text = _reason(reason, "a credit decision")
    if kind == DEDUCTION:
        points = _whole(points, "points")
        if points is None or not 1 <= points <= MAX_POINTS:
            raise _invalid("points", f"a deduction takes 1 to {MAX_POINTS} points")
    elif points not in (None, ""):
        raise _invalid("points", "only a deduction takes points")
    else:
        points = None
    if basis_kind not in BASIS_KINDS:
        raise _invalid("basis_kind", "one of " + ", ".join(BASIS_KINDS))
    ref = basis_ref.strip()[:200] if isinstance(basis_ref, str) and basis_ref.strip() else None
    source = _whole(basis_id, "basis_id")
    if basis_kind in (ALERT, COMPLAINT):
        if source is None or source < 1:
            raise _invalid("basis_id", f"the id of the {basis_kind} the decision rests on")
    else:
        source = None
        if ref is None:
            raise InvalidInput(
                "basis_ref: name what the decision rests on (e.g. a document's number)",
                code="missing_field",
                field="basis_ref",
            )
    start = parse_moment(valid_from, "valid_from", zone) or now
    end = parse_moment(valid_until, "valid_until", zone, end_of_day=True)
    if end is None:
        if kind != DEDUCTION:
            raise InvalidInput(
                "valid_until: a list entry is for a period; give its end",
                code="missing_field",
                field="valid_until",
            )
        end = start + timedelta(days=DEDUCTION_VALID_DAYS)
    if end <= start:
        raise _invalid("valid_until", "after valid_from")
    if end <= now:
        raise _invalid("valid_until", "in the future: this decision would never be in force")
    return Decision(subject_kind, kind, points, text, basis_kind, source, ref, start, end)


def check_revocable(entry: Entry, reason: Any, now: datetime) -> str:
    """A decision is revoked once, with a reason, while it has not ended."""
    text = _reason(reason, "a revocation")
    if entry.revoked_at is not None:
        raise Conflict("this decision is revoked already", code="credit_revoked")
    if entry.valid_until <= now:
        raise Conflict("this decision has ended: it stays on the record", code="credit_ended")
    return text


def parse_moment(value: Any, field: str, zone: str, *, end_of_day: bool = False) -> datetime | None:
    """An ISO 8601 date-time with its zone, or a date (YYYY-MM-DD) read in ``zone``: its start,
    or with ``end_of_day`` the start of the next day (the date itself included)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = _day(value, zone, end_of_day)
    elif isinstance(value, str):
        raw = value.strip()
        try:
            parsed = (
                _day(date.fromisoformat(raw), zone, end_of_day)
                if len(raw) == 10
                else datetime.fromisoformat(raw)
            )
        except ValueError:
            raise _invalid(field, "a date (YYYY-MM-DD) or an ISO 8601 date-time") from None
    else:
        raise _invalid(field, "a date (YYYY-MM-DD) or an ISO 8601 date-time")
    if parsed.tzinfo is None:
        raise _invalid(field, "a date-time with its time zone, e.g. +08:00")
    return parsed


def _reason(value: Any, what: str) -> str:
    text = value.strip() if isinstance(value, str) else None
    if not text:
        raise InvalidInput(
            f"reason: {what} states its reason", code="missing_field", field="reason"
        )
    if len(text) > MAX_REASON:
        raise _invalid("reason", f"at most {MAX_REASON} characters")
    return text


def _day(day: date, zone: str, end_of_day: bool) -> datetime:
    if end_of_day:
        day += timedelta(days=1)
    return datetime.combine(day, time(0, 0), ZoneInfo(zone))


def _whole(value: Any, field: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _invalid(field, "a whole number")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()[:12])
    if isinstance(value, int) and 0 <= value <= INT_MAX:
        return value
    raise _invalid(field, "a whole number")


def _invalid(field: str, what: str) -> InvalidInput:
    return InvalidInput(f"{field}: {what}", code="invalid_field", field=field)
