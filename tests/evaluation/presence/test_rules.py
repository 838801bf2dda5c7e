"""The presence rules, pure: reported times, events and their segments, outages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bidhall.errors import InvalidInput, RuleViolation
from evaluation.presence import rules

NOW = datetime(2026, 3, 22, 1, 30, tzinfo=UTC)
SKEW = timedelta(seconds=30)
WINDOW = timedelta(seconds=60)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_a_time_within_the_skew_ahead_of_the_server_is_accepted():
    rules.check_reported_time(at(30), NOW, SKEW, "at")  # 30 s ahead = the skew itself


def test_a_time_further_ahead_than_the_skew_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_reported_time(at(31), NOW, SKEW, "at")
    assert refused.value.code == "time_in_future"
    assert refused.value.details["field"] == "at"


def test_a_time_older_than_a_day_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_reported_time(NOW - timedelta(hours=24, seconds=1), NOW, SKEW, "at")
    assert refused.value.code == "time_too_old"


def test_a_workstation_outside_the_venue_is_refused():
    rules.check_workstation(8, 8, "SH-A")
    with pytest.raises(RuleViolation) as refused:
        rules.check_workstation(9, 8, "SH-A")
    assert refused.value.code == "unknown_workstation"


def test_an_event_ending_before_it_starts_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_event(at(-10), at(-20), at(-60), at(0), NOW, SKEW)
    assert refused.value.code == "ended_before_started"


def test_an_instant_event_inside_its_segment_is_accepted():
    rules.check_event(at(-10), at(-10), at(-60), at(0), NOW, SKEW)


@pytest.mark.parametrize(
    ("segment_from", "segment_to"),
    [
        (-30, 0),  # starts after the event started (-40)
        (-60, -20),  # ends before the event ended (-10)
    ],
)
def test_a_segment_that_does_not_cover_the_event_is_refused(segment_from, segment_to):
    with pytest.raises(RuleViolation) as refused:
        rules.check_event(at(-40), at(-10), at(segment_from), at(segment_to), NOW, SKEW)
    assert refused.value.code == "segment_does_not_cover_event"


def test_a_segment_ending_before_it_starts_is_refused():
    with pytest.raises(RuleViolation) as refused:
        rules.check_event(at(-40), at(-10), at(0), at(-60), NOW, SKEW)
    assert refused.value.code == "segment_ends_before_start"


def test_a_segment_hash_is_kept_in_lower_case():
    assert rules.segment_hash("AB" * 32) == "ab" * 32


@pytest.mark.parametrize("value", ["ab" * 31, "zz" * 32, 42, None, ["ab" * 32]])
def test_a_segment_hash_is_64_hex_digits(value):
    with pytest.raises(InvalidInput):
        rules.segment_hash(value)


@pytest.mark.parametrize("value", ["sneeze", "", None, 1, ["voice"], {"voice": 1}])
def test_an_unknown_event_kind_is_refused(value):
    with pytest.raises(InvalidInput) as refused:
        rules.event_kind(value)
    assert refused.value.details["field"] == "kind"


def test_a_workstation_is_online_until_the_window_has_passed_since_its_last_heartbeat():
    # last heartbeat at 09:30:00, window 60 s: online at 09:30:59, offline from 09:31:00
    assert rules.is_online(NOW, at(59), WINDOW) is True
    assert rules.is_online(NOW, at(60), WINDOW) is False


def test_a_workstation_never_heard_of_is_neither_online_nor_offline():
    assert rules.is_online(None, NOW, WINDOW) is None


def test_an_outage_is_posted_once_to_each_session_seating_someone_there():
    assert rules.should_post_offline(posted_to=None, session_id=7) is True
    assert rules.should_post_offline(posted_to=7, session_id=7) is False  # the second tick
    assert rules.should_post_offline(posted_to=7, session_id=8) is True  # a new session
    assert rules.should_post_offline(posted_to=None, session_id=None) is False  # nobody there


def test_a_device_acts_under_its_venues_code():
    assert rules.device_actor("SH-A") == "device:SH-A"
