"""What every statistics query shares: the window's bounds in UTC, the period a moment falls in
(computed by the database, in the centre's time zone, so that rows are grouped there), a
duration in seconds, and the one filter of the tenders the statistics count. Each works on
SQLite and on PostgreSQL; evaluation's and audit's providers use them too."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select

from bidhall.db import db
from trading.statistics.rules import Window
from trading.tenders.models import Tender, TenderState

# the procedures the figures count: their opening is over (the bids' number and names are
# public from then, Law Art 22, Regs Art 44); a tender still open for bids is in no figure
FINISHED_STATES = (TenderState.OPENED, TenderState.FAILED)


def counted_tenders(tender_id: Any, *, finished: bool = True) -> ColumnElement[bool]:
    """THE filter of the tenders the statistics count, for a column holding a tender's id.
    Every table selects its tenders through it, so that what is left out is left out in one
    place: sandbox tenders (a later feature) are to be excluded here, and only here.
    ``finished=False`` (the centre's alerts) also counts the tenders still under way."""
    tenders = select(Tender.id)
    if finished:
        tenders = tenders.where(Tender.state.in_(FINISHED_STATES))
    return tender_id.in_(tenders)


def bounds(window: Window) -> tuple[datetime, datetime]:
    """The window's first and end moment (end excluded) in UTC."""
    return _utc(window.first, window.zone), _utc(window.end, window.zone)


def within(column: Any, window: Window) -> ColumnElement[bool]:
    start, end = bounds(window)
    return (column >= start) & (column < end)


def _utc(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def period_of(column: Any, window: Window) -> ColumnElement[str]:
    """The period (``2026-03`` or ``2026``) of the moment in ``column``, in the window's zone.
    PostgreSQL converts with the zone itself; SQLite, which knows no zones, shifts by the zone's
    UTC offset at the window's start (exact for Asia/Shanghai, which keeps no summer time)."""
    if _dialect() == "postgresql":
        pattern = "YYYY-MM" if window.period == "month" else "YYYY"
        return func.to_char(func.timezone(window.zone, column), pattern)
    offset = _utc(window.first, window.zone).astimezone(ZoneInfo(window.zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    pattern = "%Y-%m" if window.period == "month" else "%Y"
    return func.strftime(pattern, column, f"{minutes:+d} minutes")


def seconds_between(start: Any, end: Any) -> ColumnElement[float]:
    """``end - start`` in seconds (a float), for SUM and AVG."""
    if _dialect() == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def by_period(dated: Any, *figures: Any, split: str | None = None) -> Select:
    """The figures of ``dated`` (a subquery with a ``period`` column) grouped by period, and by
    its ``split`` column too if given, in order. The period is computed in the subquery, so
    that the GROUP BY names a plain column (PostgreSQL refuses an expression grouped with
    other bound parameters than it is selected with)."""
    keys = [dated.c.period, *([dated.c[split]] if split else [])]
    return select(*keys, *figures).group_by(*keys).order_by(*keys)
