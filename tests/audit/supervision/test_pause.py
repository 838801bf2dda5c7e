"""Pausing a live session from the console (HTTP): a written reason, the session's own
suspension and the audit's ``supervision.paused`` on the record, the committee told at once."""

from __future__ import annotations

from tests.audit.supervision.conftest import close_early, ledger
from tests.fixtures.sessions import emit, heard


def _pause(api, committee, **body):
    return api.post(f"/api/supervision/sessions/{committee.id}/pause", json=body)


def test_a_pause_without_a_reason_is_refused_and_changes_nothing(committee, api_for):
    response = _pause(api_for(committee.supervisor), committee, reason="   ")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "reason_required"
    assert committee.state(committee.supervisor)["state"] == "open"
    assert ledger("supervision.paused") == []


def test_a_pause_suspends_the_session_on_the_record_and_the_committee_hears_it(
    committee, api_for, session_client
):
    member = session_client(committee.member(2))
    emit(member, "join", session_id=committee.id)
    response = _pause(api_for(committee.supervisor), committee, reason="the JS-B link is down")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["state"] == "suspended"
    [said] = [m for m in heard(member) if m["type"] == "evaluation.session_suspended"]
    assert said["payload"] == {"reason": "the JS-B link is down"}
    assert ledger("supervision.paused") == [
        {"session_id": committee.id, "reason": "the JS-B link is down", "alert_id": None}
    ]
    assert committee.state(committee.supervisor)["state"] == "suspended"


def test_a_pause_names_the_alert_behind_it(committee, api_for, raised):
    committee.elect(1)
    close_early(committee)
    [alert] = raised("vote.incomplete")
    response = _pause(
        api_for(committee.supervisor), committee, reason="vote 2 closed early", alert_id=alert["id"]
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    [paused] = ledger("supervision.paused")
    assert paused["alert_id"] == alert["id"]


def test_a_pause_naming_an_unknown_alert_is_refused(committee, api_for):
    response = _pause(api_for(committee.supervisor), committee, reason="why not", alert_id=999999)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "alert_not_found"
    assert committee.state(committee.supervisor)["state"] == "open"


def test_a_retried_pause_is_recorded_once(committee, api_for):
    api = api_for(committee.supervisor)
    first = _pause(api, committee, reason="the JS-B link is down", cmd_id="pause-1").get_json()
    again = _pause(api, committee, reason="the JS-B link is down", cmd_id="pause-1").get_json()
    assert again["replayed"] is True and again["state"] == first["state"] == "suspended"
    assert len(ledger("supervision.paused")) == 1
