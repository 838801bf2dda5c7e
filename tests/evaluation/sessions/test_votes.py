"""Votes: the leader's election, one vote per present member, closing when all present voted or
when the leader closes it, and a reconnect in the middle of a vote."""

from __future__ import annotations

import pytest

from bidhall.errors import Conflict, DomainError, Forbidden
from tests.fixtures.sessions import emit, heard


def test_the_leader_vote_stays_open_until_every_present_member_voted(committee):
    for seat in committee.seats[:-1]:
        answer = committee.run(committee.member(seat), "cast", vote=1, choice="3")
        assert answer["closed"] is False
    assert committee.state(committee.supervisor)["stage"] == "election"
    last = committee.run(committee.member(5), "cast", vote=1, choice="3")
    assert last["closed"] is True and last["result"]["winner"] == "3"
    state = committee.state(committee.supervisor)
    assert state["stage"] == "review" and state["leader_seat"] == 3


def test_the_closed_vote_records_each_members_choice(committee):
    choices = {1: "2", 2: "2", 3: "2", 4: "1", 5: "2"}
    for seat, choice in choices.items():
        committee.run(committee.member(seat), "cast", vote=1, choice=choice)
    vote = committee.state(committee.member(1))["votes"][0]
    assert vote["choices"] == {str(s): c for s, c in choices.items()}
    assert vote["result"]["counts"]["2"] == 4 and vote["closed_by"] == "all_voted"


def test_a_tied_election_opens_a_new_vote_naming_the_previous_one(committee):
    for seat, choice in {1: "1", 2: "1", 3: "2", 4: "2", 5: "3"}.items():
        committee.run(committee.member(seat), "cast", vote=1, choice=choice)
    votes = committee.state(committee.member(1))["votes"]
    assert votes[0]["result"]["tie"] is True
    assert votes[1]["open"] is True and votes[1]["previous"]["number"] == 1


def test_a_member_votes_once(committee):
    committee.run(committee.member(1), "cast", vote=1, choice="2")
    with pytest.raises(Conflict) as refused:
        committee.run(committee.member(1), "cast", vote=1, choice="3")
    assert refused.value.code == "already_voted"


def test_a_choice_that_is_not_an_option_is_refused(committee):
    with pytest.raises(DomainError) as refused:
        committee.run(committee.member(1), "cast", vote=1, choice="9")
    assert refused.value.code == "invalid_choice"


def test_a_supervisor_does_not_vote(committee):
    with pytest.raises(Forbidden) as refused:
        committee.run(committee.supervisor, "cast", vote=1, choice="1")
    assert refused.value.code == "not_member"


def test_only_the_leader_opens_a_vote(committee):
    committee.elect(1)
    with pytest.raises(Forbidden) as refused:
        committee.run(
            committee.member(2),
            "open_vote",
            matter="other",
            question="Lunch?",
            options=["now", "later"],
        )
    assert refused.value.code == "not_leader"


def test_the_leader_may_close_a_vote_before_all_voted_and_that_is_recorded(committee):
    committee.elect(1)
    leader = committee.member(1)
    committee.run(leader, "open_vote", matter="other", question="Break now?", options=["yes", "no"])
    committee.run(committee.member(2), "cast", vote=2, choice="yes")
    answer = committee.run(leader, "close_vote", vote=2)
    assert answer["result"]["complete"] is False and answer["result"]["ballots"] == 1
    vote = committee.state(leader)["votes"][1]
    assert vote["closed_by"] == "leader" and vote["choices"] == {"2": "yes"}


def test_one_vote_at_a_time(committee):
    committee.elect(1)
    leader = committee.member(1)
    committee.run(leader, "open_vote", matter="other", question="A?", options=["yes", "no"])
    with pytest.raises(Conflict) as refused:
        committee.run(leader, "open_vote", matter="other", question="B?", options=["yes", "no"])
    assert refused.value.code == "vote_open"


def test_a_member_reconnecting_mid_vote_gets_exactly_what_it_missed(committee, session_client):
    client = session_client(committee.member(4))
    emit(client, "join", session_id=committee.id)
    emit(client, "cast", session_id=committee.id, cmd_id="v-1", vote=1, choice="2")
    last_seq = max(m["seq"] for m in heard(client))  # its own cast, heard
    client.disconnect(namespace="/evaluation")
    for seat in (1, 2):
        committee.run(committee.member(seat), "cast", vote=1, choice="2")
    again = session_client(committee.member(4))
    rejoined = emit(again, "join", session_id=committee.id, last_seq=last_seq)
    missed = rejoined["missed"]
    assert [m["seq"] for m in missed] == list(range(last_seq + 1, rejoined["seq"] + 1))
    assert [(m["type"], m["payload"]["seat"]) for m in missed] == [
        ("evaluation.member_left", 4),
        ("evaluation.vote_cast", 1),
        ("evaluation.vote_cast", 2),
    ]
    vote = rejoined["state"]["votes"][0]
    assert vote["open"] is True and vote["my_choice"] == "2" and vote["ballots"] == 3
    # the vote goes on where it was: the last two votes close it
    for seat in (3, 5):
        committee.run(committee.member(seat), "cast", vote=1, choice="2")
    assert [m["type"] for m in heard(again)][-3:] == [
        "evaluation.vote_closed",
        "evaluation.leader_elected",
        "evaluation.stage_changed",
    ]


def test_a_retried_cast_is_applied_once(committee, session_client):
    client = session_client(committee.member(1))
    first = emit(client, "cast", session_id=committee.id, cmd_id="same", vote=1, choice="2")
    again = emit(client, "cast", session_id=committee.id, cmd_id="same", vote=1, choice="2")
    assert first["ok"] and again["replayed"] is True
    assert committee.state(committee.member(1))["votes"][0]["ballots"] == 1
