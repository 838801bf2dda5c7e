"""The one source of "now" for the platform.

Everything asks ``clock.now()``: a timezone-aware UTC datetime. The server clock is authoritative
for every deadline. Tests install a ``FakeClock`` with ``use(...)`` instead of sleeping. The
training sandbox (docs/sandbox.md) installs an ``AcceleratedClock``: virtual time that runs a
factor faster than the real one, so a 20-day bid period passes in 20 minutes.
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


class AcceleratedClock:
    """Virtual time running ``factor`` times as fast as a ``base`` clock, from an anchor.

    At the base clock's ``base_anchor`` the virtual time is ``anchor``; from there every base
    second is ``factor`` virtual seconds: now = anchor + (base.now() - base_anchor) × factor.
    Both anchors default to the base's now (the virtual time starts where the real one is)."""

    def __init__(
        self,
        base: SystemClock | FakeClock,
        factor: float,
        anchor: datetime | str | None = None,
        base_anchor: datetime | str | None = None,
    ) -> None:
        if not factor > 0:
            raise ValueError(f"an accelerated clock needs a positive factor, not {factor!r}")
        self.base = base
        self.factor = factor
        self.base_anchor = base.now() if base_anchor is None else _parse(base_anchor)
        self.anchor = self.base_anchor if anchor is None else _parse(anchor)

    def now(self) -> datetime:
        return self.anchor + (self.base.now() - self.base_anchor) * self.factor

    def wall_now(self) -> datetime:
        return self.base.now()

    def with_factor(self, factor: float) -> AcceleratedClock:
        """The same virtual time going on from here at another speed (no jump)."""
        return AcceleratedClock(self.base, factor, anchor=self.now(), base_anchor=self.base.now())


Clock = SystemClock | FakeClock | AcceleratedClock

_source: Clock = SystemClock()


def now() -> datetime:
    return _source.now()


def wall_now() -> datetime:
    """The real world's time, which an accelerated clock runs ahead of: for what runs on real
    seconds (APScheduler's timer), never for a deadline."""
    return _source.wall_now() if isinstance(_source, AcceleratedClock) else _source.now()


def use(source: Clock) -> None:
    global _source
    _source = source


def current() -> Clock:
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
