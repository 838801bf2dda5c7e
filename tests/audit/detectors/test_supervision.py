"""Supervision (DOMAIN.md §5, the console's four-eyes rule): supervision.unbacked_pause, raised
from pauses made through the console's real service."""

from __future__ import annotations


def _close_early(committee) -> None:
    leader = committee.member(1)
    number = committee.run(
        leader, "open_vote", matter="other", question="Visit the site?", options=["yes", "no"]
    )["vote"]
    committee.run(committee.member(2), "cast", vote=number, choice="yes")
    committee.run(leader, "close_vote", vote=number)


def test_a_pause_with_no_alert_behind_it_raises_a_yellow_alert(committee, raised):
    from audit.supervision import services

    services.pause(committee.supervisor, committee.id, "the members look tired")
    [alert] = raised("supervision.unbacked_pause")
    assert alert["severity"] == "yellow" and alert["session_id"] == committee.id
    assert alert["subject"] == f"pause by user:{committee.supervisor_id}"
    figures = alert["evidence"]["figures"]
    assert figures["paused_by"] == f"user:{committee.supervisor_id}"
    assert figures["reason"] == "the members look tired" and figures["alert_id"] is None
    assert len(alert["evidence"]["seqs"]) == 2  # the pause and the session's suspension


def test_a_pause_naming_the_alert_behind_it_raises_nothing(committee, raised):
    from audit.supervision import services

    committee.elect(1)
    _close_early(committee)
    [behind] = raised("vote.incomplete")
    services.pause(committee.supervisor, committee.id, "vote 2 closed early", behind["id"])
    assert raised("supervision.unbacked_pause") == []
