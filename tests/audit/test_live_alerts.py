"""An alert on a live session reaches that session's supervisors at once, over the session's
own Socket.IO namespace, and never its members."""

from __future__ import annotations

from tests.fixtures.sessions import NS, close_a_vote_early, emit


def _alerts_heard(client) -> list[dict]:
    return [r["args"][0] for r in client.get_received(NS) if r["name"] == "evaluation.alert"]


def test_a_red_alert_on_a_session_reaches_its_supervisor_at_once(committee, session_client):
    committee.elect(1)
    watcher = session_client(committee.supervisor)
    emit(watcher, "join", session_id=committee.id)
    close_a_vote_early(committee)
    [alert] = _alerts_heard(watcher)
    assert alert["detector"] == "vote.incomplete" and alert["severity"] == "red"
    assert alert["session_id"] == committee.id and "1 of 5" in alert["summary"]


def test_the_members_never_hear_the_alerts(committee, session_client):
    committee.elect(1)
    member = session_client(committee.member(3))
    emit(member, "join", session_id=committee.id)
    close_a_vote_early(committee)
    assert _alerts_heard(member) == []


def test_a_supervisor_who_left_the_session_hears_no_more_alerts(committee, session_client):
    committee.elect(1)
    watcher = session_client(committee.supervisor)
    emit(watcher, "join", session_id=committee.id)
    emit(watcher, "leave", session_id=committee.id)
    close_a_vote_early(committee)
    assert _alerts_heard(watcher) == []
