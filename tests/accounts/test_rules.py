"""Account rules: the login throttle's sources and delays (plain values, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bidhall.accounts import rules
from bidhall.errors import TooManyAttempts

NOW = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
LIMITS = rules.LoginLimits(
    max_failures_per_source=20,
    window=timedelta(minutes=15),
    failures_before_delay=5,
    max_delay=timedelta(seconds=300),
)


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (4, 0), (5, 2), (6, 4), (7, 8), (12, 256), (13, 300), (500, 300)],
)
def test_the_login_delay_doubles_after_the_free_failures_up_to_the_cap(failures, seconds):
    delay = rules.login_delay(failures, 5, timedelta(seconds=300))
    assert delay == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("remote_addr", "source"),
    [
        ("10.0.0.2", "10.0.0.2"),
        ("2001:db8:5:6::1", "2001:db8:5:6::/64"),
        ("2001:db8:5:6:ffff:1:2:3", "2001:db8:5:6::/64"),
        ("::ffff:10.0.0.2", "10.0.0.2"),
        ("?", "?"),
    ],
)
def test_a_login_source_is_the_ipv4_address_or_the_ipv6_network(remote_addr, source):
    assert rules.login_source(remote_addr) == source


def test_failures_of_one_account_from_one_source_delay_only_that_source():
    rules.check_login_allowed(0, None, 0, None, NOW, LIMITS)
    latest = NOW - timedelta(seconds=1)
    with pytest.raises(TooManyAttempts) as refused:
        rules.check_login_allowed(5, latest, 5, latest, NOW, LIMITS)
    assert refused.value.details["retry_after_seconds"] == 1
    rules.check_login_allowed(5, latest, 5, NOW - timedelta(seconds=2), NOW, LIMITS)


def test_a_source_failing_too_often_is_refused_until_its_oldest_failure_leaves_the_window():
    oldest = NOW - timedelta(minutes=10)
    with pytest.raises(TooManyAttempts) as refused:
        rules.check_login_allowed(20, oldest, 0, None, NOW, LIMITS)
    assert refused.value.details["retry_after_seconds"] == 5 * 60
    assert refused.value.details["retry_after_minutes"] == 5
    assert refused.value.message == "too many failed logins: try again in 5 minutes"
