"""Cash deposits: from the bidder's basic account for construction tenders, on time, in full,
one per bid, and counted as security in the managers' summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fixtures.pki import submit_bid
from tests.trading.guarantees.conftest import deposit_body, ledger, refused, snapshot

# --- cash deposits ------------------------------------------------------------------------------


def test_a_construction_deposit_from_another_account_is_refused_and_nothing_recorded(
    tender, bidder, admin, api_for
):
    api = api_for(admin)
    refused(
        api.post("/api/deposits", json=deposit_body(tender, bidder.org_id)),
        422,
        "no_basic_account",
    )
    answer = api.put(
        f"/api/organisations/{bidder.org_id}/basic-account",
        json={
            "account_number": "44201000123456780000",
            "account_name": "Bidder Co.",
            "bank": "CCB",
        },
    )
    assert answer.status_code == 200, answer.get_json()
    refused(
        api.post("/api/deposits", json=deposit_body(tender, bidder.org_id)),
        422,
        "not_basic_account",
    )
    assert api.get("/api/deposits").get_json() == []
    assert ledger("deposit.recorded") == []
    accepted = api.post(
        "/api/deposits",
        json=deposit_body(tender, bidder.org_id, payer_account="4420-1000-1234-5678-0000"),
    )
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["state"] == "held"
    (recorded,) = ledger("deposit.recorded")
    assert "payer_account" not in recorded and len(recorded["payer_account_sha256"]) == 64


def test_a_government_procurement_deposit_may_come_from_any_account(
    make_tender, bidder, admin, api_for
):
    tender = snapshot(make_tender("published", rule_set="gov_procurement"))
    answer = api_for(admin).post("/api/deposits", json=deposit_body(tender, bidder.org_id))
    assert answer.status_code == 201, answer.get_json()


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"amount": "199999.99"}, 422, "amount_too_low"),
        ({"lot": 7}, 400, "invalid_lot"),
        ({"paid_at": "2026-03-01T09:30:00"}, 400, "invalid_field"),
    ],
)
def test_a_deposit_is_checked(make_tender, bidder, admin, api_for, overrides, status, code):
    tender = snapshot(make_tender("published", rule_set="gov_procurement"))
    answer = api_for(admin).post(
        "/api/deposits", json=deposit_body(tender, bidder.org_id, **overrides)
    )
    refused(answer, status, code)


def test_a_deposit_paid_after_the_deadline_is_refused(make_tender, bidder, admin, api_for, clock):
    tender = snapshot(make_tender("published", rule_set="gov_procurement"))
    clock.set(tender.bid_deadline + timedelta(hours=1))
    refused(
        api_for(admin).post("/api/deposits", json=deposit_body(tender, bidder.org_id)),
        422,
        "deposit_late",
    )


def test_a_second_deposit_for_the_same_bid_is_refused(make_tender, bidder, admin, api_for):
    tender = snapshot(make_tender("published", rule_set="gov_procurement"))
    api = api_for(admin)
    assert api.post("/api/deposits", json=deposit_body(tender, bidder.org_id)).status_code == 201
    refused(
        api.post("/api/deposits", json=deposit_body(tender, bidder.org_id)),
        409,
        "deposit_exists",
    )


def test_a_deposit_secures_the_bid_in_the_managers_counts(
    make_tender, bidder, admin, world, api_for, clock
):
    user, bundle = bidder.user, bidder.bundle
    tender = snapshot(make_tender("published", rule_set="gov_procurement"))
    submit_bid(user, bundle, tender.id)
    api_for(admin).post("/api/deposits", json=deposit_body(tender, bidder.org_id))
    clock.set(tender.bid_deadline)  # the counts are disclosed at the opening
    (lot,) = (
        api_for(world.agency).get(f"/api/tenders/{tender.id}/guarantees/summary").get_json()["lots"]
    )
    assert (lot["secured_by_deposit"], lot["unsecured"]) == (1, 0)
