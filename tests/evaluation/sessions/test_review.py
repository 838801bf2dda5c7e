"""The qualification and responsiveness review: marks per requirement per bid, a veto only for a
listed reason, every fail or veto decided by a vote, and the bids that pass."""

from __future__ import annotations

import pytest

from bidhall.errors import Conflict, DomainError


@pytest.fixture
def reviewing(committee):
    committee.elect(1)
    return committee


def test_a_veto_needs_a_reason_regs_art_51_lists(reviewing):
    with pytest.raises(DomainError) as refused:
        reviewing.run(
            reviewing.member(2),
            "mark",
            bid_id=reviewing.bids[0],
            requirement="q-licence",
            passed=False,
            veto_reason="looks_cheap",
            reason="I do not like it",
        )
    assert refused.value.code == "invalid_veto_reason"


def test_a_fail_needs_a_written_reason(reviewing):
    with pytest.raises(DomainError) as refused:
        reviewing.run(
            reviewing.member(2),
            "mark",
            bid_id=reviewing.bids[0],
            requirement="q-licence",
            passed=False,
        )
    assert refused.value.code == "invalid_field"


def test_marks_are_given_only_in_the_review(committee):
    with pytest.raises(Conflict) as refused:
        committee.run(
            committee.member(2),
            "mark",
            bid_id=committee.bids[0],
            requirement="q-licence",
            passed=True,
        )
    assert refused.value.code == "stage_election"


def test_the_review_closes_only_when_every_member_marked_everything(reviewing):
    reviewing.run(
        reviewing.member(1), "mark", bid_id=reviewing.bids[0], requirement="q-licence", passed=True
    )
    with pytest.raises(Conflict) as refused:
        reviewing.run(reviewing.member(1), "close_review")
    assert refused.value.code == "review_incomplete"


def test_a_single_veto_goes_to_a_vote_before_the_review_closes(reviewing):
    bid = reviewing.bids[1]
    reviewing.pass_all(except_for=((2, bid, "q-licence", "unqualified"),))
    with pytest.raises(Conflict) as refused:
        reviewing.run(reviewing.member(1), "close_review")
    assert refused.value.code == "review_votes_pending"
    item = next(
        i
        for i in reviewing.state(reviewing.member(1))["review"]["items"]
        if i["bid_id"] == bid and i["requirement"] == "q-licence"
    )
    assert item["needs_vote"] is True and item["vetoes"] == 1


def test_a_veto_carried_by_the_vote_rejects_the_bid(reviewing):
    bid = reviewing.bids[1]
    reviewing.pass_all(except_for=((2, bid, "q-licence", "unqualified"),))
    leader = reviewing.member(1)
    opened = reviewing.run(leader, "open_vote", matter="veto", bid_id=bid, requirement="q-licence")
    for seat, choice in {1: "veto", 2: "veto", 3: "veto", 4: "pass", 5: "veto"}.items():
        reviewing.run(reviewing.member(seat), "cast", vote=opened["vote"], choice=choice)
    closed = reviewing.run(leader, "close_review")
    assert bid not in closed["passed"]
    assert closed["vetoed"] == [
        {"bid_id": bid, "requirement": "q-licence", "reason": "unqualified", "vote": 2}
    ]
    state = reviewing.state(leader)
    assert state["stage"] == "scoring"
    assert [b["passed"] for b in state["bids"] if b["bid_id"] == bid] == [False]


def test_a_veto_the_vote_rejects_leaves_the_bid_in(reviewing):
    bid = reviewing.bids[1]
    reviewing.pass_all(except_for=((2, bid, "q-licence", "unqualified"),))
    leader = reviewing.member(1)
    opened = reviewing.run(leader, "open_vote", matter="veto", bid_id=bid, requirement="q-licence")
    for seat in reviewing.seats:
        choice = "veto" if seat == 2 else "pass"
        reviewing.run(reviewing.member(seat), "cast", vote=opened["vote"], choice=choice)
    closed = reviewing.run(leader, "close_review")
    assert sorted(closed["passed"]) == sorted(reviewing.bids) and closed["vetoed"] == []


def test_nothing_to_vote_on_when_every_member_passed(reviewing):
    reviewing.pass_all()
    with pytest.raises(Conflict) as refused:
        reviewing.run(
            reviewing.member(1),
            "open_vote",
            matter="veto",
            bid_id=reviewing.bids[0],
            requirement="q-licence",
        )
    assert refused.value.code == "nothing_to_vote"


def test_a_plain_fail_is_voted_on_as_a_veto_for_the_reason_the_leader_names(reviewing):
    bid = reviewing.bids[0]
    reviewing.pass_all(except_for=((3, bid, "r-terms", None),))
    leader = reviewing.member(1)
    with pytest.raises(DomainError) as refused:
        reviewing.run(leader, "open_vote", matter="veto", bid_id=bid, requirement="r-terms")
    assert refused.value.code == "invalid_veto_reason"
    opened = reviewing.run(
        leader,
        "open_vote",
        matter="veto",
        bid_id=bid,
        requirement="r-terms",
        veto_reason="not_responsive",
    )
    assert opened["vote"] == 2
