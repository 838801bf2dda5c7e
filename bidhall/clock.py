"""The one source of "now" for the platform.

Everything asks ``clock.now()``: a timezone-aware UTC datetime. The server clock is authoritative
for every deadline. Tests install a ``FakeClock`` with ``use(...)`` instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | str = "2026-03-01T09:30:00+08:00") -> None:
        self._now = _parse(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime | str) -> None:
        self._now = _parse(when)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


_source: SystemClock | FakeClock = SystemClock()


def now() -> datetime:
    return _source.now()


def use(source: SystemClock | FakeClock) -> None:
    global _source
    _source = source


def current() -> SystemClock | FakeClock:
    return _source


def as_utc(value: datetime) -> datetime:
    """Normalise a datetime read back from the database (SQLite drops the zone) to aware UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local(value: datetime, zone: str = "Asia/Shanghai") -> datetime:
    return as_utc(value).astimezone(ZoneInfo(zone))


def _parse(value: datetime | str) -> datetime:
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        raise ValueError("clock times must carry a timezone")
    return parsed.astimezone(UTC)
