"""The console over Socket.IO (/supervision): supervisors only, and what the room hears live
after each commit, from a real session driven through its commands."""

from __future__ import annotations

import pytest

from tests.audit.supervision.conftest import close_early, emit, heard


@pytest.mark.parametrize("who", ["bidder", "expert", "agency", "anonymous"])
def test_anyone_but_a_supervisor_is_refused_with_the_error_event(
    who, console_client, world, make_user
):
    user = {
        "bidder": world.bidder,
        "expert": lambda: make_user("expert"),
        "agency": lambda: world.agency,
        "anonymous": lambda: None,
    }[who]()
    client = console_client(user)
    answer = emit(client, "join")
    assert answer["error"]["code"] == "not_supervisor"
    assert heard(client, "supervision.error") == [answer]


def test_a_refused_caller_hears_nothing_of_the_console(make_hall, console_client, world):
    hall = make_hall(bids=3)
    client = console_client(world.agency)
    emit(client, "join")
    hall.reach_deadline()  # the hall locks its bids: a key node
    assert heard(client, "supervision.node") == []


def test_a_vote_closed_early_reaches_the_console_as_a_red_alert_and_a_key_node(
    committee, console_client
):
    committee.elect(1)
    client = console_client(committee.supervisor)
    assert emit(client, "join")["ok"] is True
    number = close_early(committee)
    [alert] = heard(client, "supervision.alert")
    assert alert["detector"] == "vote.incomplete" and alert["severity"] == "red"
    assert alert["session_id"] == committee.id and alert["state"] == "open"
    assert "1 of 5" in alert["summary"]
    [node] = [n for n in heard(client, "supervision.node") if n["kind"] == "vote_closed"]
    assert node["session_id"] == committee.id and node["vote"] == number
    assert node["closed_by"] == "leader" and node["complete"] is False
    assert node["ballots"] == 1 and node["present"] == 5


def test_a_supervisor_who_left_the_console_hears_no_more(committee, console_client):
    committee.elect(1)
    client = console_client(committee.supervisor)
    emit(client, "join")
    emit(client, "leave")
    close_early(committee)
    assert heard(client, "supervision.alert") == []
