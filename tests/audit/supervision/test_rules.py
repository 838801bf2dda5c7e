"""The console's plain rules: the review's duration, the key nodes, the reason an intervention
needs, who watches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from audit.supervision import rules
from bidhall.errors import Forbidden, InvalidInput

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


REVIEW = ("evaluation.stage_changed", _at(0), {"stage": "review"})


def test_a_running_review_counts_the_minutes_until_now():
    span = rules.review_span([REVIEW], _at(42))
    assert span == {"started_at": T0.isoformat(), "closed_at": None, "minutes": 42.0}


def test_a_closed_review_counts_until_its_close():
    closed = ("evaluation.review_closed", _at(35), {})
    assert rules.review_span([REVIEW, closed], _at(90))["minutes"] == 35.0


def test_the_time_suspended_is_not_review_time():
    messages = [
        REVIEW,
        ("evaluation.session_suspended", _at(10), {"reason": "link lost"}),
        ("evaluation.session_resumed", _at(25), {}),
        ("evaluation.review_closed", _at(40), {}),
    ]
    assert rules.review_span(messages, _at(60))["minutes"] == 25.0


def test_a_review_suspended_now_stops_counting_at_the_suspension():
    messages = [REVIEW, ("evaluation.session_suspended", _at(10), {"reason": "x"})]
    assert rules.review_span(messages, _at(60))["minutes"] == 10.0


def test_a_review_not_begun_has_no_duration():
    election = ("evaluation.stage_changed", _at(0), {"stage": "election"})
    assert rules.review_span([election], _at(5))["minutes"] is None


def test_a_vote_closed_early_is_a_key_node_with_its_ballots():
    payload = {
        "session_id": 3,
        "vote": 2,
        "matter": "other",
        "closed_by": "leader",
        "result": {"ballots": 1, "present": 5, "complete": False},
        "choices": {"2": "yes"},
    }
    node = rules.node_of("evaluation.vote_closed", payload)
    assert node == {
        "kind": "vote_closed",
        "session_id": 3,
        "vote": 2,
        "matter": "other",
        "closed_by": "leader",
        "ballots": 1,
        "present": 5,
        "complete": False,
    }


def test_a_hall_locking_its_bids_is_a_phase_node_with_the_count():
    payload = {"tender_id": 7, "bids": [{"bid_no": 1}, {"bid_no": 2}, {"bid_no": 3}]}
    node = rules.node_of("hall.bids_locked", payload)
    assert node == {"kind": "hall_phase", "tender_id": 7, "phase": "decrypting", "bids_locked": 3}


@pytest.mark.parametrize(
    "type_", ["evaluation.vote_cast", "evaluation.review_marked", "hall.decrypted", "bid.sealed"]
)
def test_everyday_events_are_not_key_nodes(type_):
    assert rules.node_of(type_, {"session_id": 1, "tender_id": 1}) is None


def test_an_escalation_changes_the_alerts_card_on_the_console():
    change = rules.alert_change_of("alert.escalated", {"alert_id": 4, "severity": "red"})
    assert change == {"alert_id": 4, "change": "escalated", "severity": "red"}


def test_a_resolution_takes_the_alert_off_the_console():
    change = rules.alert_change_of("alert.resolved", {"alert_id": 4, "resolution": "confirmed"})
    assert change == {"alert_id": 4, "change": "resolved", "state": "resolved"}


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_intervention_without_a_reason_is_refused(reason):
    with pytest.raises(InvalidInput) as refused:
        rules.check_reason(reason)
    assert refused.value.code == "reason_required"


def test_a_reason_longer_than_the_limit_is_refused():
    with pytest.raises(InvalidInput) as refused:
        rules.check_reason("x" * (rules.REASON_MAX + 1))
    assert refused.value.code == "invalid_field"


@pytest.mark.parametrize("role", ["bidder", "expert", "agency", "tenderer", "admin"])
def test_only_a_supervisor_watches_the_console(role):
    from bidhall.accounts.models import Role

    user = SimpleNamespace(is_authenticated=True, role=Role(role))
    with pytest.raises(Forbidden) as refused:
        rules.check_supervisor(user)
    assert refused.value.code == "not_supervisor"
