"""The tenderer's representatives (招标人代表) beside the drawn experts: named by whoever opens
the session, seated after the experts, members like them; under government procurement they may
not lead the committee (GP-87 Art 45)."""

from __future__ import annotations

import pytest


@pytest.fixture
def rule_set():
    return "construction"


@pytest.fixture
def tender(make_tender, rule_set):
    if rule_set == "gov_procurement":
        # under 10 million CNY: a committee of 5 (GP-87 wants 7 from 10 million)
        lot = {
            "number": 1,
            "title": "Lot 1: laboratory equipment",
            "estimated_price": "9900000.00",
            "ceiling_price": "9800000.00",
            "guarantee_amount": "100000.00",
        }
        return make_tender("published", rule_set=rule_set, category="goods", lots=[lot])
    return make_tender("published")


@pytest.fixture
def committee_shape() -> dict:
    """A committee of 5: 4 drawn experts (main venue 3, secondary 1) and 1 representative."""
    return {"main": 3, "secondary": 1, "representatives": 1}


def open_with(api_for, world, checked_in, representatives):
    return api_for(world.agency).post(
        f"/api/tenders/{checked_in.draw.tender_id}/evaluation",
        json={"representatives": representatives},
    )


def test_the_representative_takes_the_seat_after_the_experts(checked_in, api_for, world):
    response = open_with(api_for, world, checked_in, [world.tenderer.id])
    assert response.status_code == 201, response.get_json()
    state = api_for(world.tenderer).get(f"/api/evaluation/{response.get_json()['session_id']}")
    assert state.status_code == 200
    me = state.get_json()
    assert me["role"] == "member" and me["me"]["seat"] == 5
    assert [m["representative"] for m in me["members"]] == [False] * 4 + [True]


def test_under_the_construction_rules_the_representative_may_lead(checked_in, api_for, world):
    session_id = open_with(api_for, world, checked_in, [world.tenderer.id]).get_json()["session_id"]
    vote = api_for(world.tenderer).get(f"/api/evaluation/{session_id}").get_json()["votes"][0]
    assert vote["options"] == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("rule_set", ["gov_procurement"])
def test_under_government_procurement_the_buyers_representative_may_not_lead(
    checked_in, api_for, world, rule_set
):
    session_id = open_with(api_for, world, checked_in, [world.tenderer.id]).get_json()["session_id"]
    vote = api_for(world.tenderer).get(f"/api/evaluation/{session_id}").get_json()["votes"][0]
    assert vote["options"] == ["1", "2", "3", "4"]


def test_the_draw_decides_how_many_representatives_sit(checked_in, api_for, world):
    response = open_with(api_for, world, checked_in, [])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "representatives_count"


def test_a_representative_is_one_of_the_tenderers_own_staff(checked_in, api_for, world):
    bidder = checked_in.hall.bidders[0].user
    response = open_with(api_for, world, checked_in, [bidder.id])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "not_a_representative"
