"""Votes (DOMAIN.md §5): vote.incomplete, vote.repeated, vote.lone_dissent, raised from the
session's real commands."""

from __future__ import annotations


def _vote(committee, choices: dict[int, str], *, question: str = "Visit the site?") -> int:
    leader = committee.member(1)
    answer = committee.run(
        leader, "open_vote", matter="other", question=question, options=["yes", "no"]
    )
    number = answer["vote"]
    for seat, choice in choices.items():
        committee.run(committee.member(seat), "cast", vote=number, choice=choice)
    return number


def test_a_vote_closed_by_the_leader_before_all_voted_raises_a_red_alert(committee, raised):
    committee.elect(1)
    number = _vote(committee, {2: "yes", 3: "yes"})
    committee.run(committee.member(1), "close_vote", vote=number)
    [alert] = raised("vote.incomplete")
    assert alert["severity"] == "red" and alert["session_id"] == committee.id
    figures = alert["evidence"]["figures"]
    assert figures["ballots"] == 2 and figures["present"] == 5
    assert figures["closed_by"] == "leader" and figures["voted_seats"] == ["2", "3"]
    assert len(alert["evidence"]["seqs"]) == 2  # the vote's opening and its closing


def test_a_vote_every_present_member_cast_raises_nothing(committee, raised):
    committee.elect(1)
    _vote(committee, {seat: "yes" for seat in committee.seats})
    assert raised("vote.incomplete") == []


def _veto_vote(committee, bid_id: int, choices: dict[int, str]) -> int:
    answer = committee.run(
        committee.member(1),
        "open_vote",
        matter="veto",
        bid_id=bid_id,
        requirement="q-licence",
        veto_reason="unqualified",
    )
    for seat, choice in choices.items():
        committee.run(committee.member(seat), "cast", vote=answer["vote"], choice=choice)
    return answer["vote"]


def test_a_matter_voted_a_third_time_raises_a_yellow_alert(committee, raised):
    committee.elect(1)
    for _ in range(3):
        _vote(committee, {seat: "yes" for seat in committee.seats}, question="Visit the site?")
    [alert] = raised("vote.repeated")
    assert alert["severity"] == "yellow"
    assert alert["evidence"]["figures"]["times"] == 3
    assert alert["evidence"]["threshold"]["limit"] == 2


def test_a_matter_voted_twice_with_the_same_result_raises_nothing(committee, raised):
    committee.elect(1)
    for _ in range(2):
        _vote(committee, {seat: "yes" for seat in committee.seats}, question="Visit the site?")
    assert raised("vote.repeated") == []


def test_a_revote_that_flips_the_result_raises_a_red_alert(committee, raised):
    committee.elect(1)
    _vote(committee, {seat: "yes" for seat in committee.seats}, question="Visit the site?")
    _vote(committee, {seat: "no" for seat in committee.seats}, question="Visit the site?")
    [alert] = raised("vote.repeated")
    assert alert["severity"] == "red"
    figures = alert["evidence"]["figures"]
    assert figures["before"]["result"] == "yes" and figures["after"]["result"] == "no"


def test_another_question_is_another_matter(committee, raised):
    committee.elect(1)
    _vote(committee, {seat: "yes" for seat in committee.seats}, question="Visit the site?")
    _vote(committee, {seat: "no" for seat in committee.seats}, question="Break now?")
    assert raised("vote.repeated") == []


def _alone(seat: int, n: int) -> dict[int, str]:
    return {s: ("no" if s == seat else "yes") for s in range(1, n + 1)}


def test_a_member_alone_against_all_others_in_three_votes_raises_a_yellow_alert(committee, raised):
    committee.elect(1)
    for number in range(3):
        _vote(committee, _alone(4, 5), question=f"Question {number}?")
    [alert] = raised("vote.lone_dissent")
    assert alert["severity"] == "yellow" and alert["subject"] == "seat 4"
    assert alert["evidence"]["figures"]["times"] == 3


def test_a_member_alone_in_two_votes_raises_nothing(committee, raised):
    committee.elect(1)
    for number in range(2):
        _vote(committee, _alone(4, 5), question=f"Question {number}?")
    _vote(committee, {1: "yes", 2: "yes", 3: "no", 4: "no", 5: "yes"}, question="Split?")
    assert raised("vote.lone_dissent") == []
