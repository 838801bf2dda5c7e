"""Pure complaint rules: the subjects, the states, the time to complain (construction: 10 days of
knowing, Regs Art 60; government procurement: 15 working days) and the supervisor's working-day
limits (3 to accept, 30 to decide, Regs Art 61), counted on the centre's working days."""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bidhall.errors import Conflict, InvalidInput, RuleViolation

# what a complaint is about; the first three follow an objection to the tenderer (Regs Art 60:
# the matters of Art 22, 44 and 54 are objected to first)
SUBJECTS = ("documents", "opening", "result", "other")
NEEDS_OBJECTION = ("documents", "result")

OUTCOMES = ("upheld", "dismissed")

ACCEPT_WITHIN_WORKING_DAYS = 3
DECIDE_WITHIN_WORKING_DAYS = 30


class ComplaintState(enum.StrEnum):
    FILED = "filed"  # awaits the supervisor's acceptance
    NOT_ACCEPTED = "not_accepted"  # refused, with reasons
    ACCEPTED = "accepted"  # under review; the tender may be suspended
    UPHELD = "upheld"  # decided: the complaint is founded
    DISMISSED = "dismissed"  # decided: it is not


OPEN_STATES = (ComplaintState.FILED, ComplaintState.ACCEPTED)


def check_subject(subject: object) -> str:
    if subject not in SUBJECTS:
        raise InvalidInput(
            "subject: one of " + ", ".join(SUBJECTS), code="invalid_subject", field="subject"
        )
    return str(subject)


def is_working_day(day: date, holidays: Collection[date], workdays: Collection[date]) -> bool:
    """Monday to Friday, but the public holidays; a weekend day the state calendar makes a
    working day (调休) counts."""
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    day: date, count: int, holidays: Collection[date] = (), workdays: Collection[date] = ()
) -> date:
    """The ``count``-th working day after ``day``."""
    current, left = day, count
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays, workdays):
            left -= 1
    return current


def end_of_working_days(
    start: datetime,
    count: int,
    zone: str,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
) -> datetime:
    """The last moment of the ``count``-th working day after ``start``'s local day."""
    tz = ZoneInfo(zone)
    last = add_working_days(start.astimezone(tz).date(), count, holidays, workdays)
    return datetime.combine(last, time(23, 59, 59), tz).astimezone(start.tzinfo)


def check_in_time(
    rule_set: str,
    known_on: date,
    today: date,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
) -> None:
    """Construction: within 10 days of knowing (Regs Art 60); government procurement: within 15
    working days (GPL Art 55)."""
    if known_on > today:
        raise InvalidInput(
            "known_on: the day you knew of the matter, not a future one",
            code="invalid_field",
            field="known_on",
        )
    if rule_set == "gov_procurement":
        last = add_working_days(known_on, 15, holidays, workdays)
        limit = "15 working days"
    else:
        last = known_on + timedelta(days=10)
        limit = "10 days"
    if today > last:
        raise RuleViolation(
            f"a complaint is filed within {limit} of knowing of the matter (it was {last})",
            code="complaint_too_late",
            field="known_on",
        )


def check_state(state: str, *allowed: ComplaintState, why: str) -> None:
    if state not in allowed:
        raise Conflict(f"{why} (the complaint is {state})", code="wrong_complaint_state")
