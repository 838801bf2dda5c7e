"""The figures behind the supervisors' charts of the alerts, over a period of days in the
platform's time zone: how many were raised each day (by severity), by which detector, and how
long the resolved ones took (``resolved_at - raised_at``: the median, the 90th percentile and
how many fell in each band, by severity).

The period is the alert log's ``from`` and ``to`` (days, both included: audit/alerts/forms.py),
by default the last ``DEFAULT_DAYS`` days up to today; the other filters of the log (severity,
detector, tender, venue, state) narrow the alerts counted the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from audit.alerts.models import Alert
from audit.alerts.queries import AlertFilter, filtered
from audit.detectors.base import Severity
from bidhall import clock
from bidhall.db import db
from bidhall.errors import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years of days: a longer period is asked in parts
SEVERITIES = (Severity.YELLOW, Severity.RED)
# the bands of the resolution times' distribution: (id, up to so many minutes; None: longer)
BANDS = (
    ("1h", 60),
    ("4h", 240),
    ("1d", 1440),
    ("3d", 4320),
    ("7d", 10080),
    ("more", None),
)


def period(where: AlertFilter, zone: str, now: datetime) -> tuple[AlertFilter, date, date]:
    """The filter with its period made whole (the last ``DEFAULT_DAYS`` days up to today when
    none is given; from ``from`` up to today, or the ``DEFAULT_DAYS`` days up to ``to``, when
    only one is), and that period's first and last day (both included)."""
    tz = ZoneInfo(zone)
    today = clock.local(now, zone).date()
    if where.raised_to is not None:
        last = (where.raised_to - timedelta(microseconds=1)).astimezone(tz).date()
    elif where.raised_from is not None:
        last = max(where.raised_from.astimezone(tz).date(), today)
    else:
        last = today
    if where.raised_from is not None:
        first = where.raised_from.astimezone(tz).date()
    else:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(
            f"the period is longer than {MAX_DAYS} days: ask for it in parts",
            code="period_too_long",
            days=MAX_DAYS,
        )
    raised_from = where.raised_from or _start(first, tz)
    raised_to = where.raised_to or _start(last + timedelta(days=1), tz)
    return replace(where, raised_from=raised_from, raised_to=raised_to), first, last


def _start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def trends(where: AlertFilter, zone: str, first: date, last: date) -> dict[str, Any]:
    """The charts' figures for the alerts ``where`` matches (its period made whole by
    ``period``), days from ``first`` to ``last``."""
    rows = db.session.execute(
        filtered(select(Alert.raised_at, Alert.severity, Alert.detector, Alert.resolved_at), where)
    ).all()
    per_day: dict[date, Counter] = {}
    per_detector: dict[str, Counter] = {}
    minutes: dict[str, list[float]] = {str(s): [] for s in SEVERITIES}
    unresolved: Counter = Counter()
    for raised_at, severity, detector, resolved_at in rows:
        day = clock.local(raised_at, zone).date()
        per_day.setdefault(day, Counter())[severity] += 1
        per_detector.setdefault(detector, Counter())[severity] += 1
        if resolved_at is None:
            unresolved[severity] += 1
        else:
            taken = clock.as_utc(resolved_at) - clock.as_utc(raised_at)
            minutes.setdefault(severity, []).append(taken.total_seconds() / 60)
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        counted = per_day.get(day, Counter())
        days.append({"day": day.isoformat(), **_by_severity(counted)})
    detectors = [
        {"detector": detector, **_by_severity(counted), "total": sum(counted.values())}
        for detector, counted in per_detector.items()
    ]
    detectors.sort(key=lambda row: (-row["total"], row["detector"]))
    counts = Counter()
    for counted in per_detector.values():
        counts.update(counted)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "zone": zone,
        "total": len(rows),
        "counts": _by_severity(counts),
        "days": days,
        "detectors": detectors,
        "resolution": {
            "unit": "minutes",
            "by_severity": [
                _resolution(str(severity), minutes.get(str(severity), []), unresolved)
                for severity in SEVERITIES
            ],
            "bands": [
                {
                    "band": band,
                    "up_to_minutes": limit,
                    **{
                        str(severity): sum(
                            1 for m in minutes.get(str(severity), []) if _band(m) == band
                        )
                        for severity in SEVERITIES
                    },
                }
                for band, limit in BANDS
            ],
        },
    }


def _by_severity(counted: Counter) -> dict[str, int]:
    return {str(severity): counted.get(str(severity), 0) for severity in SEVERITIES}


def _resolution(severity: str, taken: list[float], unresolved: Counter) -> dict[str, Any]:
    ordered = sorted(taken)
    return {
        "severity": severity,
        "resolved": len(ordered),
        "unresolved": unresolved.get(severity, 0),
        "median_minutes": _round(median(ordered)) if ordered else None,
        "p90_minutes": _round(_percentile(ordered, 0.9)) if ordered else None,
        "min_minutes": _round(ordered[0]) if ordered else None,
        "max_minutes": _round(ordered[-1]) if ordered else None,
    }


def _percentile(ordered: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (as spreadsheets' PERCENTILE.INC)."""
    place = (len(ordered) - 1) * share
    low = int(place)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (place - low)


def _band(taken: float) -> str:
    for band, limit in BANDS:
        if limit is None or taken <= limit:
            return band
    return BANDS[-1][0]


def _round(value: float) -> float:
    return round(value, 1)
