"""Clarifications: the leader's written question to one bidder, answered by that bidder over
HTTP within the time set, both on the record; the bidder never learns who asked."""

from __future__ import annotations

import pytest

from bidhall.errors import DomainError
from tests.fixtures.sessions import emit, heard


@pytest.fixture
def asked(committee):
    committee.elect(1)
    bid = committee.bids[0]
    committee.run(
        committee.member(1),
        "ask",
        bid_id=bid,
        question="Explain the unit price of rebar in item 3.",
        due_minutes=30,
    )
    return committee


def bidder_of(committee, bid_id):
    return next(s.user for s in committee.seated.hall.bidders if s.bid_id == bid_id)


def test_the_bidder_sees_the_question_without_who_asked(asked, api_for):
    response = api_for(bidder_of(asked, asked.bids[0])).get("/api/my/clarifications")
    (question,) = response.get_json()["clarifications"]
    assert question["question"] == "Explain the unit price of rebar in item 3."
    assert question["open"] is True and question["number"] == 1
    assert "asked_by" not in question and "seat" not in question


def test_another_bidder_sees_nothing_of_it(asked, api_for):
    other = bidder_of(asked, asked.bids[1])
    assert api_for(other).get("/api/my/clarifications").get_json()["clarifications"] == []
    response = api_for(other).post(
        f"/api/evaluation/{asked.id}/clarifications/1/answer", json={"answer": "Me too"}
    )
    assert response.status_code == 404


def test_the_bidders_answer_reaches_the_committee(asked, api_for, session_client):
    listener = session_client(asked.member(3))
    emit(listener, "join", session_id=asked.id)
    heard(listener)
    response = api_for(bidder_of(asked, asked.bids[0])).post(
        f"/api/evaluation/{asked.id}/clarifications/1/answer",
        json={"answer": "Per the city's price bulletin of October."},
    )
    assert response.status_code == 200, response.get_json()
    (message,) = heard(listener)
    assert message["type"] == "evaluation.clarification_answered"
    assert message["payload"]["answer"] == "Per the city's price bulletin of October."
    assert asked.state(asked.member(2))["clarifications"][0]["answer"]


def test_an_answer_after_the_time_set_is_refused(asked, api_for, clock):
    clock.advance(minutes=31)
    response = api_for(bidder_of(asked, asked.bids[0])).post(
        f"/api/evaluation/{asked.id}/clarifications/1/answer", json={"answer": "Late"}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "clarification_overdue"


def test_a_question_is_answered_once(asked, api_for):
    api = api_for(bidder_of(asked, asked.bids[0]))
    url = f"/api/evaluation/{asked.id}/clarifications/1/answer"
    assert api.post(url, json={"answer": "First"}).status_code == 200
    again = api.post(url, json={"answer": "Second"})
    assert (
        again.status_code == 409
        and again.get_json()["error"]["code"] == "clarification_already_answered"
    )


def test_only_the_leader_asks(asked):
    with pytest.raises(DomainError) as refused:
        asked.run(asked.member(2), "ask", bid_id=asked.bids[0], question="Why?")
    assert refused.value.code == "not_leader"


def test_the_report_quotes_the_clarification(asked, api_for):
    import json

    from bidhall.db import db
    from evaluation.sessions.models import EvaluationSession

    api_for(bidder_of(asked, asked.bids[0])).post(
        f"/api/evaluation/{asked.id}/clarifications/1/answer", json={"answer": "Bulletin"}
    )
    asked.pass_all()
    asked.run(asked.member(1), "close_review")
    asked.submit_all()
    asked.run(asked.member(1), "finalize")
    document = json.loads(db.session.get(EvaluationSession, asked.id).report)
    assert [(c["question"], c["answer"]) for c in document["clarifications"]] == [
        ("Explain the unit price of rebar in item 3.", "Bulletin")
    ]
