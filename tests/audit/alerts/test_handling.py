"""Handling an alert over the JSON API: acknowledge, assign, resolve (with a note, as confirmed or
as a false positive), each a ledger event; and the refusals (no note, twice resolved, an assignee
who is not a supervisor)."""

from __future__ import annotations

import json


def _post(api, alert: dict, action: str, body: dict | None = None):
    return api.post(f"/api/alerts/{alert['id']}/{action}", json=body)


def _error(response) -> str:
    return response.get_json()["error"]["code"]


def test_an_open_alert_is_acknowledged_then_resolved_with_a_note(alert, supervisor_api, world):
    acknowledged = _post(supervisor_api, alert, "acknowledge")
    assert acknowledged.status_code == 200
    assert acknowledged.get_json()["state"] == "acknowledged"
    assert acknowledged.get_json()["acknowledged_by_id"] == world.supervisor.id
    # who acknowledges an unassigned alert takes it
    assert acknowledged.get_json()["assignee_id"] == world.supervisor.id
    note = "The leader closed the vote by mistake; revoted with every member present."
    resolved = _post(supervisor_api, alert, "resolve", {"resolution": "confirmed", "note": note})
    assert resolved.status_code == 200
    shown = supervisor_api.get(f"/api/alerts/{alert['id']}").get_json()
    assert shown == resolved.get_json()
    assert shown["state"] == "resolved" and shown["resolution"] == "confirmed"
    assert shown["note"] == note and shown["resolved_by_id"] == world.supervisor.id


def test_resolving_without_a_note_is_refused_and_changes_nothing(alert, supervisor_api):
    for body in ({"resolution": "confirmed"}, {"resolution": "confirmed", "note": "   "}):
        response = _post(supervisor_api, alert, "resolve", body)
        assert response.status_code == 400 and _error(response) == "note_required"
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json() == alert


def test_a_resolved_alert_is_not_resolved_again(alert, supervisor_api):
    first = {"resolution": "confirmed", "note": "Dealt with."}
    assert _post(supervisor_api, alert, "resolve", first).status_code == 200
    again = _post(supervisor_api, alert, "resolve", {"resolution": "false_positive", "note": "No."})
    assert again.status_code == 409 and _error(again) == "alert_resolved"
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json()["resolution"] == "confirmed"


def test_an_alert_resolved_as_a_false_positive_says_so_and_counts_as_seen(
    alert, supervisor_api, world
):
    note = "The member's workstation lost its connection; it voted on paper (see the minutes)."
    response = _post(
        supervisor_api, alert, "resolve", {"resolution": "false_positive", "note": note}
    )
    assert response.status_code == 200
    resolved = response.get_json()
    assert resolved["state"] == "resolved" and resolved["resolution"] == "false_positive"
    assert resolved["acknowledged_by_id"] == world.supervisor.id and resolved["acknowledged_at"]


def test_an_alert_is_assigned_to_a_supervisor_only(alert, supervisor_api, committee, world):
    bidder = committee.seated.hall.bidders[0].user
    for assignee in (bidder.id, committee.member_ids[1], world.agency.id, 999_999):
        response = _post(supervisor_api, alert, "assign", {"assignee_id": assignee})
        assert response.status_code == 400 and _error(response) == "invalid_assignee", assignee
    for body in ({}, {"assignee_id": "seven"}, {"assignee_id": True}):
        response = _post(supervisor_api, alert, "assign", body)
        assert response.status_code == 400 and _error(response) == "invalid_field"
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json()["assignee_id"] is None


def test_each_change_of_an_alert_is_a_ledger_event(alert, supervisor_api, world, make_user):
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    colleague = make_user("supervisor")
    _post(supervisor_api, alert, "acknowledge")
    _post(supervisor_api, alert, "assign", {"assignee_id": colleague.id})
    _post(supervisor_api, alert, "resolve", {"resolution": "confirmed", "note": "Revoted."})
    rows = db.session.execute(
        select(LedgerEntry.type, LedgerEntry.actor, LedgerEntry.payload)
        .where(LedgerEntry.type.like("alert.%"))
        .order_by(LedgerEntry.seq)
    ).all()
    events = [(type_, json.loads(payload)) for type_, _actor, payload in rows]
    assert [type_ for type_, _ in events] == [
        "alert.raised",
        "alert.acknowledged",
        "alert.assigned",
        "alert.resolved",
    ]
    assert all(payload["alert_id"] == alert["id"] for _, payload in events)
    assert events[2][1]["assignee_id"] == colleague.id
    assert events[3][1]["resolution"] == "confirmed" and events[3][1]["note"] == "Revoted."
    assert {actor for _, actor, _ in rows[1:]} == {f"user:{world.supervisor.id}"}
