"""How a bid is secured and who sees it: one guarantee backs one bid (replaced bids keep it),
the managers' summary counting from the deadline and naming from the reading out, and what
bidders, issuers and supervisors may list (Law Art 22)."""

from __future__ import annotations

import pytest

from bidhall.errors import DomainError
from tests.fixtures.pki import submit_bid
from tests.trading.guarantees.conftest import (
    deposit_body,
    fresh,
    read_out,
    refused,
    snapshot,
    submit,
)
from trading.bids import services as bids
from trading.guarantees import issuers, security
from trading.guarantees import services as guarantees
from trading.guarantees.models import Guarantee
from trading.tenders import queries

# --- one guarantee backs one bid ----------------------------------------------------------------


def test_a_guarantee_submitted_before_the_bid_backs_it_once_sealed(issuer, tender, bidder):
    user, bundle = bidder.user, bidder.bundle
    guarantee = submit(issuer, tender, bidder.org_id)
    assert guarantee.bid_id is None
    bid = submit_bid(user, bundle, tender.id)
    assert security.guarantee_for(tender.id, 1, bidder.org_id).bid_id == bid.id
    assert security.bid_security(tender.id, 1, bidder.org_id).secured


def test_a_guarantee_submitted_after_the_bid_backs_it_at_once(issuer, tender, bidder):
    user, bundle = bidder.user, bidder.bundle
    bid = submit_bid(user, bundle, tender.id)
    assert submit(issuer, tender, bidder.org_id).bid_id == bid.id


def test_a_replaced_bid_keeps_its_guarantee(issuer, tender, bidder):
    user, bundle = bidder.user, bidder.bundle
    first = submit_bid(user, bundle, tender.id)
    guarantee = submit(issuer, tender, bidder.org_id)
    second = submit_bid(user, bundle, tender.id)
    assert second.supersedes_id == first.id
    assert security.guarantee_for(tender.id, 1, bidder.org_id).id == guarantee.id
    assert fresh(Guarantee, guarantee.id).bid_id == second.id


def test_a_second_guarantee_for_the_same_bid_replaces_the_first(issuer, tender, bidder):
    user, bundle = bidder.user, bidder.bundle
    bid = submit_bid(user, bundle, tender.id)
    first = submit(issuer, tender, bidder.org_id)
    second = submit(issuer, tender, bidder.org_id, amount="250000.00")
    first = fresh(Guarantee, first.id)
    assert (first.state.value, first.superseded_by_id) == ("superseded", second.id)
    assert first.release_reason == "replaced"
    assert second.bid_id == bid.id
    assert security.guarantee_for(tender.id, 1, bidder.org_id).id == second.id


def test_a_guarantee_cannot_back_a_second_bid(issuer, tender, bidder, clock):
    user, bundle = bidder.user, bidder.bundle
    first = submit_bid(user, bundle, tender.id)
    guarantee = submit(issuer, tender, bidder.org_id)
    bids.withdraw_bid(user, first.id)
    second = submit_bid(user, bundle, tender.id)
    # the withdrawn bid's guarantee is due for release: the new bid is not backed by it
    assert fresh(Guarantee, guarantee.id).bid_id == first.id
    assert security.guarantee_for(tender.id, 1, bidder.org_id) is None
    assert not security.bid_security(tender.id, 1, bidder.org_id).secured
    with pytest.raises(DomainError) as refusal:
        guarantees.attach_guarantee(user, guarantee.id, second.id)
    assert refusal.value.code == "guarantee_in_use"
    # a new guarantee for the same bidder and lot is fine
    assert submit(issuer, tender, bidder.org_id).bid_id == second.id


def test_a_guarantee_cannot_be_attached_to_another_bidders_bid(
    issuer, tender, bidder, world, enroll
):
    guarantee = submit(issuer, tender, bidder.org_id)
    rival = world.bidder()
    their_bid = submit_bid(rival, enroll(rival), tender.id)
    with pytest.raises(DomainError) as refusal:
        guarantees.attach_guarantee("system:test", guarantee.id, their_bid.id)
    assert refusal.value.code == "guarantee_mismatch"


# --- who sees what ------------------------------------------------------------------------------


def test_before_the_deadline_the_security_summary_counts_nothing(
    issuer, tender, world, enroll, api_for
):
    """Law Art 22: a count of secured bids before the opening is a count of bidders."""
    secured, unsecured = world.bidder(), world.bidder()
    submit_bid(secured, enroll(secured), tender.id)
    submit_bid(unsecured, enroll(unsecured), tender.id)
    submit(issuer, tender, secured.organisation_id)
    for who in (world.agency, world.tenderer, world.supervisor):
        answer = api_for(who).get(f"/api/tenders/{tender.id}/guarantees/summary")
        assert answer.status_code == 200
        assert answer.get_json() == {
            "tender_id": tender.id,
            "disclosure": {
                "counts": False,
                "names": False,
                "opening": tender.bid_deadline.isoformat(),
            },
            "lots": [
                {
                    "lot": 1,
                    "sealed_bids": None,
                    "secured": None,
                    "secured_by_guarantee": None,
                    "secured_by_deposit": None,
                    "unsecured": None,
                }
            ],
        }


def test_from_the_deadline_the_summary_counts_but_names_nobody_until_the_reading_out(
    issuer, tender, world, enroll, api_for, clock
):
    secured, unsecured = world.bidder(), world.bidder()
    submit_bid(secured, enroll(secured), tender.id)
    submit_bid(unsecured, enroll(unsecured), tender.id)
    guarantee_id = submit(issuer, tender, secured.organisation_id).id
    clock.set(tender.bid_deadline)
    api = api_for(world.agency)
    answer = api.get(f"/api/tenders/{tender.id}/guarantees/summary")
    summary = answer.get_json()
    assert summary["disclosure"]["counts"] is True
    assert summary["disclosure"]["names"] is False
    assert summary["lots"] == [
        {
            "lot": 1,
            "sealed_bids": 2,
            "secured": 1,
            "secured_by_guarantee": 1,
            "secured_by_deposit": 0,
            "unsecured": 1,
        }
    ]
    assert "guarantees" not in summary and "deposits" not in summary
    text = answer.get_data(as_text=True)
    for secret in (secured.organisation.name, issuer.org_name, "200000"):
        assert secret not in text
    refused(api.get(f"/api/guarantees/{guarantee_id}"), 404, "guarantee_not_found")


def test_from_the_reading_out_the_managers_see_the_guarantees(
    issuer, tender, bidder, world, api_for, clock
):
    guarantee = submit(issuer, tender, bidder.org_id)
    api = api_for(world.tenderer)
    read_out(tender, clock)
    summary = api.get(f"/api/tenders/{tender.id}/guarantees/summary").get_json()
    assert summary["disclosure"]["names"] is True
    assert [g["number"] for g in summary["guarantees"]] == [guarantee.number]
    assert api.get(f"/api/guarantees/{guarantee.id}").status_code == 200


def test_the_guarantees_become_visible_to_the_managers_at_a_real_reading_out(
    issuer, make_hall, api_for
):
    hall = make_hall(3)
    seat = hall.bidders[0]
    guarantee_id = submit(
        issuer, snapshot(queries.get_tender(hall.id)), seat.user.organisation_id
    ).id
    hall.reach_deadline()
    api = api_for(hall.agency)
    for other in hall.bidders[:2]:
        hall.run(other.user, "decrypt", bid_id=other.bid_id, **hall.keys(other))
    refused(api.get(f"/api/guarantees/{guarantee_id}"), 404, "guarantee_not_found")
    last = hall.bidders[2]
    hall.run(last.user, "decrypt", bid_id=last.bid_id, **hall.keys(last))  # the reading out
    assert api.get(f"/api/guarantees/{guarantee_id}").get_json()["applicant"]["name"] == (
        seat.user.organisation.name
    )


def test_another_bidder_sees_neither_the_guarantee_nor_its_status(
    issuer, tender, bidder, world, api_for
):
    guarantee = submit(issuer, tender, bidder.org_id)
    rival = api_for(world.bidder())
    refused(rival.get(f"/api/guarantees/{guarantee.id}"), 404, "guarantee_not_found")
    (lot,) = rival.get(f"/api/tenders/{tender.id}/guarantee").get_json()["lots"]
    assert lot["guarantees"] == [] and lot["secured"] is False


def test_an_issuer_lists_its_own_guarantees_and_a_supervisor_all_from_the_reading_out(
    issuer, make_issuer, tender, bidder, world, api_for, clock
):
    other = make_issuer()
    mine = submit(issuer, tender, bidder.org_id)
    theirs = submit(other, tender, bidder.org_id)
    assert [g["id"] for g in api_for(issuer.user).get("/api/guarantees").get_json()] == [mine.id]
    refused(api_for(issuer.user).get(f"/api/guarantees/{theirs.id}"), 404, "guarantee_not_found")
    read_out(tender, clock)
    listed = api_for(world.supervisor).get(f"/api/guarantees?tender_id={tender.id}").get_json()
    assert {g["id"] for g in listed} == {mine.id, theirs.id}


def test_before_the_reading_out_a_supervisor_lists_no_guarantee_or_deposit_of_the_tender(
    issuer, tender, bidder, world, admin, api_for, clock
):
    """The supervisor is staff, not the ledger: the guarantees and deposits of a tender name
    (and count) its bidders, so they wait for the reading out like the bidders' names."""
    name = bidder.user.organisation.name
    supervisor, platform = api_for(world.supervisor), api_for(admin)
    guarantee_id = submit(issuer, tender, bidder.org_id).id
    issuers.set_basic_account(admin, bidder.org_id, "4420100012345678", "B", "CCB")
    assert (
        platform.post("/api/deposits", json=deposit_body(tender, bidder.org_id)).status_code == 201
    )
    for moment in (tender.issue_start, tender.bid_deadline):
        clock.set(moment)
        for url in ("/api/guarantees", "/api/deposits", f"/api/deposits?tender_id={tender.id}"):
            answer = supervisor.get(url)
            assert answer.get_json() == [], url
            assert name not in answer.get_data(as_text=True)
        refused(supervisor.get(f"/api/guarantees/{guarantee_id}"), 404, "guarantee_not_found")
    # the platform itself (it records the deposits and pays them back) sees them all along
    assert len(platform.get("/api/deposits").get_json()) == 1
    read_out(tender, clock)
    assert len(supervisor.get("/api/guarantees").get_json()) == 1
    assert supervisor.get("/api/deposits").get_json()[0]["organisation"]["name"] == name
    assert supervisor.get(f"/api/guarantees/{guarantee_id}").status_code == 200
