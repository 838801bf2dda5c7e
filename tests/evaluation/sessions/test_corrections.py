"""The arithmetic correction: computed by the server from what the bid states (words over
figures; unit price over total), shown with the original and corrected price, confirmed by the
committee's vote, and then the price the bid is evaluated at."""

from __future__ import annotations

import pytest

from bidhall.errors import Conflict


@pytest.fixture
def reviewing(committee):
    committee.elect(1)
    return committee


def first_bid(committee) -> int:
    # the first bid was read out at 10,350,000.00 (tests/fixtures/opening.py SUMMARIES)
    return committee.bids[0]


def test_words_that_disagree_with_the_figures_prevail_once_the_committee_confirms(reviewing):
    leader = reviewing.member(1)
    proposed = reviewing.run(
        leader, "correct", bid_id=first_bid(reviewing), words="人民币壹仟零叁拾肆万元整"
    )
    assert (proposed["original"], proposed["corrected"]) == ("10350000.00", "10340000.00")
    for seat in reviewing.seats:
        reviewing.run(reviewing.member(seat), "cast", vote=proposed["vote"], choice="confirm")
    state = reviewing.state(leader)
    bid = next(b for b in state["bids"] if b["bid_id"] == first_bid(reviewing))
    assert (bid["price"], bid["evaluated_price"]) == ("10350000.00", "10340000.00")
    assert state["corrections"][0]["state"] == "confirmed"


def test_a_rejected_correction_leaves_the_read_out_price(reviewing):
    leader = reviewing.member(1)
    proposed = reviewing.run(
        leader, "correct", bid_id=first_bid(reviewing), words="人民币壹仟零叁拾肆万元整"
    )
    for seat in reviewing.seats:
        reviewing.run(reviewing.member(seat), "cast", vote=proposed["vote"], choice="reject")
    bid = next(b for b in reviewing.state(leader)["bids"] if b["bid_id"] == first_bid(reviewing))
    assert bid["evaluated_price"] == "10350000.00"


def test_the_unit_price_prevails_over_a_wrong_line_total(reviewing):
    lines = [
        {"item": "earthworks", "quantity": "1000", "unit_price": "350.00", "total": "350050.00"},
        # 2,000 × 5,000.00 = 10,000,000.00, not the 10,000,050.00 stated
        {"item": "structure", "quantity": "2000", "unit_price": "5000.00", "total": "10000050.00"},
    ]
    proposed = reviewing.run(
        reviewing.member(1), "correct", bid_id=first_bid(reviewing), lines=lines
    )
    # the lines' corrected totals: 350,000.00 + 10,000,000.00 = 10,350,000.00
    assert proposed["corrected"] == "10350000.00"


def test_figures_that_agree_need_no_correction(reviewing):
    with pytest.raises(Conflict) as refused:
        reviewing.run(
            reviewing.member(1),
            "correct",
            bid_id=first_bid(reviewing),
            words="人民币壹仟零叁拾伍万元整",
        )
    assert refused.value.code == "nothing_to_correct"


def test_the_results_use_the_corrected_price(reviewing):
    leader = reviewing.member(1)
    proposed = reviewing.run(
        leader, "correct", bid_id=first_bid(reviewing), words="人民币壹仟零叁拾肆万元整"
    )
    for seat in reviewing.seats:
        reviewing.run(reviewing.member(seat), "cast", vote=proposed["vote"], choice="confirm")
    reviewing.pass_all()
    reviewing.run(leader, "close_review")
    reviewing.submit_all()
    (lot,) = reviewing.state(leader)["results"]["lots"]
    assert lot["prices"][str(first_bid(reviewing))] == "10340000.00"
