"""The clocks' arithmetic: the accelerated clock of the training sandbox over a fake base clock
(no sleeping)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidhall import clock
from bidhall.clock import AcceleratedClock, FakeClock

START = "2026-03-01T09:30:00+08:00"


def test_an_accelerated_clock_starts_at_its_base_clocks_time():
    base = FakeClock(START)
    assert AcceleratedClock(base, 1440).now() == base.now()


def test_twenty_base_minutes_are_twenty_virtual_days_at_factor_1440():
    base = FakeClock(START)
    fast = AcceleratedClock(base, 1440)
    base.advance(minutes=20)
    assert fast.now() - FakeClock(START).now() == timedelta(days=20)


def test_virtual_time_is_the_anchor_plus_the_base_time_elapsed_times_the_factor():
    base = FakeClock("2026-03-01T12:00:00+00:00")
    fast = AcceleratedClock(
        base, 60, anchor="2026-05-01T00:00:00+00:00", base_anchor="2026-03-01T11:00:00+00:00"
    )
    # an hour of base time since the base anchor: 60 virtual hours after the anchor
    assert fast.now() == FakeClock("2026-05-03T12:00:00+00:00").now()
    base.advance(seconds=30)
    assert fast.now() == FakeClock("2026-05-03T12:30:00+00:00").now()


def test_a_new_factor_goes_on_from_the_current_virtual_time_without_a_jump():
    base = FakeClock(START)
    fast = AcceleratedClock(base, 1440)
    base.advance(minutes=5)
    slower = fast.with_factor(1)
    assert slower.now() == fast.now()
    base.advance(minutes=5)
    assert slower.now() - FakeClock(START).now() == timedelta(days=5, minutes=5)


def test_an_accelerated_clock_refuses_a_factor_that_is_not_positive():
    with pytest.raises(ValueError, match="positive factor"):
        AcceleratedClock(FakeClock(START), 0)


def test_wall_time_is_the_base_clocks_under_an_accelerated_clock():
    base = FakeClock(START)
    fast = AcceleratedClock(base, 1440)
    base.advance(minutes=1)
    clock.use(fast)
    try:
        assert clock.wall_now() == base.now()
        assert clock.now() == base.now() + timedelta(days=1) - timedelta(minutes=1)
    finally:
        clock.use(clock.SystemClock())


def test_wall_time_is_now_under_any_other_clock():
    base = FakeClock(START)
    clock.use(base)
    try:
        assert clock.wall_now() == clock.now() == base.now()
    finally:
        clock.use(clock.SystemClock())
