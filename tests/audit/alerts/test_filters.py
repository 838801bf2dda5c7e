"""The alert log's filters, each through the JSON API: every filter keeps exactly the alerts that
match it (the CSV export reads the same filters: test_csv.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.audit.alerts.conftest import ids, listed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _matching(log: list[dict], **wanted) -> list[int]:
    """The ids of the alerts with these values, newest first (as the API lists them)."""
    rows = [a for a in log if all(a[name] == value for name, value in wanted.items())]
    return list(reversed(ids(rows)))


def test_a_filter_on_the_card_or_the_detector_keeps_exactly_the_alerts_of_that_kind(
    log, supervisor_api
):
    for name, value in (
        ("severity", "red"),
        ("severity", "yellow"),
        ("detector", "vote.incomplete"),
        ("detector", "vote.lone_dissent"),
    ):
        kept = ids(listed(supervisor_api, **{name: value})["alerts"])
        assert kept == _matching(log, **{name: value}), name
        assert 0 < len(kept) < len(log)


def test_a_filter_on_the_state_keeps_the_alerts_in_that_state(log, supervisor_api):
    first = log[0]["id"]
    assert supervisor_api.post(f"/api/alerts/{first}/acknowledge").status_code == 200
    assert ids(listed(supervisor_api, state="acknowledged")["alerts"]) == [first]
    assert ids(listed(supervisor_api, state="open")["alerts"]) == [
        i for i in reversed(ids(log)) if i != first
    ]
    assert listed(supervisor_api, state="resolved")["alerts"] == []


def test_a_filter_on_the_subject_keeps_the_alerts_about_it(log, committee, supervisor_api):
    venue = log[0]["venue_id"]
    assert venue is not None
    everything = list(reversed(ids(log)))
    for name, value in (
        ("tender_id", committee.tender_id),
        ("session_id", committee.id),
        ("venue_id", venue),
    ):
        assert ids(listed(supervisor_api, **{name: value})["alerts"]) == everything
        assert listed(supervisor_api, **{name: value + 1000})["alerts"] == []


def test_a_period_keeps_the_alerts_raised_in_it(log, supervisor_api):
    first_day = datetime.fromisoformat(log[0]["raised_at"]).astimezone(SHANGHAI).date()
    later = [a for a in log if a["raised_at"] > log[0]["raised_at"]]
    assert later
    day = first_day.isoformat()
    assert ids(listed(supervisor_api, to=day)["alerts"]) == _matching(
        log, raised_at=log[0]["raised_at"]
    )
    assert ids(listed(supervisor_api, **{"from": day, "to": day})["alerts"]) == [log[0]["id"]]
    after = (first_day + timedelta(days=1)).isoformat()
    assert ids(listed(supervisor_api, **{"from": after})["alerts"]) == list(reversed(ids(later)))
    # an ISO time: from it (included) to another (excluded)
    moment = later[0]["raised_at"]
    assert ids(listed(supervisor_api, **{"from": moment})["alerts"]) == list(reversed(ids(later)))
    assert ids(listed(supervisor_api, to=moment)["alerts"]) == [log[0]["id"]]
