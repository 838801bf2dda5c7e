"""Escalating an alert from the console (HTTP): a yellow card made red with a reason, on the
record and pushed live to the console."""

from __future__ import annotations

from tests.audit.supervision.conftest import close_early, emit, heard, ledger


def _unbacked_pause(api, committee) -> None:
    """A pause with no alert behind it: the detectors raise a yellow card."""
    response = api.post(
        f"/api/supervision/sessions/{committee.id}/pause", json={"reason": "a hunch"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_yellow_alert_escalated_is_red_on_the_record_and_live(
    committee, api_for, raised, console_client
):
    api = api_for(committee.supervisor)
    _unbacked_pause(api, committee)
    [alert] = raised("supervision.unbacked_pause")
    console = console_client(committee.supervisor)
    emit(console, "join")
    response = api.post(
        f"/api/supervision/alerts/{alert['id']}/escalate",
        json={"reason": "the second pause this week without a cause"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["severity"] == "red"
    assert raised("supervision.unbacked_pause")[0]["severity"] == "red"
    assert ledger("alert.escalated") == [
        {
            "alert_id": alert["id"],
            "reason": "the second pause this week without a cause",
            "severity": "red",
            "previous": "yellow",
        }
    ]
    [change] = heard(console, "supervision.alert_state")
    assert change["alert_id"] == alert["id"] and change["severity"] == "red"


def test_an_escalation_without_a_reason_is_refused(committee, api_for, raised):
    api = api_for(committee.supervisor)
    _unbacked_pause(api, committee)
    [alert] = raised("supervision.unbacked_pause")
    response = api.post(f"/api/supervision/alerts/{alert['id']}/escalate", json={})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "reason_required"
    assert raised("supervision.unbacked_pause")[0]["severity"] == "yellow"
    assert ledger("alert.escalated") == []


def test_a_red_alert_is_not_escalated_again(committee, api_for, raised):
    committee.elect(1)
    close_early(committee)
    [alert] = raised("vote.incomplete")
    response = api_for(committee.supervisor).post(
        f"/api/supervision/alerts/{alert['id']}/escalate", json={"reason": "serious"}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "alert_not_yellow"
