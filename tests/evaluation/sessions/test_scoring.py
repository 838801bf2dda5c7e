"""Scoring: each member scores alone and sees the others' scores only after submitting its own;
out-of-range scores are refused; an outlying score needs a written reason; the server computes
price scores, totals and the ranking once every member has submitted; the leader reopens an
item, on the record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bidhall.errors import Conflict, DomainError
from tests.fixtures.sessions import emit, heard


@pytest.fixture
def scoring(committee):
    committee.to_scoring()
    return committee


def sheet(committee, plan=20, record=8) -> dict:
    return {str(bid): {"construction plan": plan, "track record": record} for bid in committee.bids}


def test_a_member_sees_no_other_scores_before_submitting_its_own(scoring):
    scoring.run(scoring.member(1), "submit_scores", scores=sheet(scoring))
    assert "sheets" not in scoring.state(scoring.member(2))["scoring"]
    mine = scoring.state(scoring.member(1))["scoring"]
    assert as_numbers(mine["sheets"]) == {"1": sheet(scoring)}


def as_numbers(sheets: dict) -> dict:
    return {
        seat: {bid: {name: Decimal(v) for name, v in items.items()} for bid, items in s.items()}
        for seat, s in sheets.items()
    }


def test_the_committee_hears_that_a_member_submitted_but_not_its_scores(scoring, session_client):
    listener = session_client(scoring.member(2))
    emit(listener, "join", session_id=scoring.id)
    heard(listener)
    scoring.run(scoring.member(1), "submit_scores", scores=sheet(scoring))
    (message,) = heard(listener)
    assert message["type"] == "evaluation.scores_submitted"
    assert message["payload"] == {"seat": 1, "submission": 1, "submitted": 1, "members": 5}


def test_a_draft_is_the_members_alone(scoring, session_client):
    listener = session_client(scoring.member(2))
    emit(listener, "join", session_id=scoring.id)
    heard(listener)
    scoring.run(
        scoring.member(1), "save_scores", scores={str(scoring.bids[0]): {"track record": 5}}
    )
    assert heard(listener) == []
    assert scoring.state(scoring.member(1))["scoring"]["mine"]["state"] == "draft"
    assert scoring.state(scoring.member(2))["scoring"]["mine"] is None


def test_a_score_above_the_criterions_maximum_is_refused(scoring):
    with pytest.raises(DomainError) as refused:
        scoring.run(scoring.member(1), "submit_scores", scores=sheet(scoring, plan=31))
    assert refused.value.code == "score_out_of_range"


def test_the_price_score_is_the_servers_to_compute(scoring):
    scores = sheet(scoring)
    scores[str(scoring.bids[0])]["price"] = 60
    with pytest.raises(DomainError) as refused:
        scoring.run(scoring.member(1), "submit_scores", scores=scores)
    assert refused.value.code == "price_is_computed"


def test_an_outlying_score_needs_a_written_reason(scoring):
    for seat in (1, 2, 3):
        scoring.run(scoring.member(seat), "submit_scores", scores=sheet(scoring, plan=20))
    # 28 is 8 from the others' mean of 20: more than 20 % of 30 points (6)
    with pytest.raises(DomainError) as refused:
        scoring.run(scoring.member(4), "submit_scores", scores=sheet(scoring, plan=28))
    assert refused.value.code == "score_reason_required"
    reasons = {
        f"{bid}/construction plan": "the plan's BIM schedule is exemplary" for bid in scoring.bids
    }
    answer = scoring.run(
        scoring.member(4), "submit_scores", scores=sheet(scoring, plan=28), reasons=reasons
    )
    assert answer["submitted"] is True and answer["outliers_explained"] == len(scoring.bids)


def test_every_member_hears_the_servers_results_once_all_submitted(scoring, session_client):
    clients = {seat: session_client(scoring.member(seat)) for seat in scoring.seats}
    for client in clients.values():
        emit(client, "join", session_id=scoring.id)
        heard(client)
    plans = {1: 20, 2: 22, 3: 21, 4: 19, 5: 20}
    for seat, plan in plans.items():
        scoring.run(scoring.member(seat), "submit_scores", scores=sheet(scoring, plan=plan))
    for client in clients.values():
        results = [m for m in heard(client) if m["type"] == "evaluation.results"]
        assert len(results) == 1
        (lot,) = results[0]["payload"]["lots"]
        assert sorted(lot["ranking"]) == sorted(scoring.bids)
        assert set(lot["member_totals"]) == {"1", "2", "3", "4", "5"}
    state = scoring.state(scoring.member(1))
    assert state["stage"] == "ranked" and state["results"]["lots"][0]["ranks"]


def test_a_submitted_sheet_changes_only_where_the_leader_reopened_it(scoring):
    for seat in scoring.seats:
        scoring.run(scoring.member(seat), "submit_scores", scores=sheet(scoring))
    bid = str(scoring.bids[0])
    scoring.run(
        scoring.member(1),
        "reopen",
        seat=2,
        bid_id=int(bid),
        criterion="construction plan",
        reason="member 2 scored the wrong plan",
    )
    assert scoring.state(scoring.member(1))["stage"] == "scoring"
    changed_elsewhere = sheet(scoring)
    changed_elsewhere[bid]["track record"] = 9
    with pytest.raises(Conflict) as refused:
        scoring.run(scoring.member(2), "submit_scores", scores=changed_elsewhere)
    assert refused.value.code == "not_reopened"
    fixed = sheet(scoring)
    fixed[bid]["construction plan"] = 21
    scoring.run(scoring.member(2), "submit_scores", scores=fixed)
    assert scoring.state(scoring.member(1))["stage"] == "ranked"


def test_a_submitted_sheet_cannot_be_submitted_again_unopened(scoring):
    scoring.run(scoring.member(1), "submit_scores", scores=sheet(scoring))
    with pytest.raises(Conflict) as refused:
        scoring.run(scoring.member(1), "submit_scores", scores=sheet(scoring, plan=25))
    assert refused.value.code == "sheet_submitted"


def test_only_the_leader_reopens(scoring):
    scoring.run(scoring.member(2), "submit_scores", scores=sheet(scoring))
    with pytest.raises(DomainError) as refused:
        scoring.run(
            scoring.member(3),
            "reopen",
            seat=2,
            bid_id=scoring.bids[0],
            criterion="construction plan",
            reason="why not",
        )
    assert refused.value.code == "not_leader"
