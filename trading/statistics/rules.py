"""The statistics' periods and figures as plain values: which local days a request asks for,
the period each figure falls in, and the arithmetic of savings, rates and shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bidhall.errors import InvalidInput

PERIODS = ("month", "year")
DEFAULT_SPAN = {"month": 12, "year": 5}  # periods shown when no ``from`` is given
MAX_YEARS = 20  # a longer span is asked in parts
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Window:
    """Whole periods (months or years) of the centre's time zone, from ``first`` (the first day
    of the first period) up to ``end`` (the first day after the last period)."""

    period: str
    first: date
    end: date
    zone: str

    @property
    def label_from(self) -> str:
        return label(self.first, self.period)

    @property
    def label_to(self) -> str:
        last = _previous_period(self.end, self.period)
        return label(last, self.period)


def label(day: date, period: str) -> str:
    """A period's name: ``2026-03`` for a month, ``2026`` for a year (as the SQL groups)."""
    return f"{day.year:04d}-{day.month:02d}" if period == "month" else f"{day.year:04d}"


def window(
    period: str | None, start: str | None, stop: str | None, today: date, zone: str
) -> Window:
    """The periods a request asks for. ``period`` is ``month`` (default) or ``year``; ``from``
    and ``to`` name periods (``2026-03``, or ``2026`` for years; a month request also takes a
    year: its January to its December), both included. Without ``to`` the span ends with the
    current period; without ``from`` it holds ``DEFAULT_SPAN`` periods."""
    period = (period or "month").strip() or "month"
    if period not in PERIODS:
        raise InvalidInput(
            "period must be month or year", code="bad_period", field="period", allowed=PERIODS
        )
    last_start = _parse(stop, period, "to", end=True) if stop else _period_start(today, period)
    end = _next_period(last_start, period)
    if start:
        first = _parse(start, period, "from", end=False)
    else:
        first = end
        for _ in range(DEFAULT_SPAN[period]):
            first = _previous_period(first, period)
    if first >= end:
        raise InvalidInput("from is after to", code="bad_period", field="from")
    if (end.year - first.year) > MAX_YEARS:
        raise InvalidInput(
            f"the span is longer than {MAX_YEARS} years: ask for it in parts",
            code="period_too_long",
            years=MAX_YEARS,
        )
    return Window(period, first, end, zone)


def _parse(text: str, period: str, field: str, *, end: bool) -> date:
    """The first day of the period ``text`` names (for ``to`` given as a year on a month
    request: its December)."""
    text = text.strip()
    month = _MONTH.match(text)
    year = _YEAR.match(text)
    if month and period == "month" and 1 <= int(month[2]) <= 12 and int(month[1]) >= 1900:
        return date(int(month[1]), int(month[2]), 1)
    if year and int(year[1]) >= 1900:
        return date(int(year[1]), 12 if end and period == "month" else 1, 1)
    expected = "YYYY-MM or YYYY" if period == "month" else "YYYY"
    raise InvalidInput(f"{field} must be a period ({expected})", code="bad_period", field=field)


def _period_start(day: date, period: str) -> date:
    return date(day.year, day.month, 1) if period == "month" else date(day.year, 1, 1)


def _next_period(day: date, period: str) -> date:
    if period == "year" or day.month == 12:
        return date(day.year + 1, 1, 1)
    return date(day.year, day.month + 1, 1)


def _previous_period(day: date, period: str) -> date:
    if period == "year":
        return date(day.year - 1, 1, 1)
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


# --- the figures ---------------------------------------------------------------------------------


def savings(ceiling: Decimal, awarded: Decimal) -> Decimal:
    """节约资金: the ceiling price (最高投标限价, the budget a lot may not exceed) less the
    award amount."""
    return ceiling - awarded


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to two decimals (节约率 = savings / ceiling; the
    shares); None when ``whole`` is nothing (no figure, rather than a division by zero)."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> str:
    """An amount in CNY as the JSON carries it: a decimal string to the fen."""
    return str((value or Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP))


def percent(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def days(seconds: float | None) -> str | None:
    """A duration in days to one decimal, as a string (None: nothing to average)."""
    if seconds is None:
        return None
    return str((Decimal(str(seconds)) / Decimal(86400)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def hours(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return str((Decimal(str(seconds)) / Decimal(3600)).quantize(Decimal("0.1"), ROUND_HALF_UP))
