"""Releases and refunds: the obligations opened by termination, withdrawal and the signed
contract, their 5-day deadlines, and the tick reporting a late one once."""

from __future__ import annotations

from datetime import timedelta

from bidhall.db import db
from tests.trading.guarantees.conftest import fresh, ledger, read_out, refused
from trading.bids import services as bids
from trading.guarantees import jobs as guarantee_jobs
from trading.guarantees import services as guarantees
from trading.guarantees.models import Deposit, Guarantee
from trading.tenders import services

# --- releases and refunds -----------------------------------------------------------------------


def test_nothing_is_released_while_the_bid_stands(secured_bid, admin, api_for):
    _, _, guarantee_id, deposit_id = secured_bid
    api = api_for(admin)
    refused(api.post(f"/api/guarantees/{guarantee_id}/release", json={}), 409, "no_release_due")
    refused(
        api.post(f"/api/deposits/{deposit_id}/refund", json={"bank_reference": "R1"}),
        409,
        "no_refund_due",
    )


def test_termination_opens_obligations_and_the_tick_reports_a_late_refund_once(
    secured_bid, world, admin, api_for, clock
):
    from bidhall import scheduler

    tender, _, guarantee_id, deposit_id = secured_bid
    services.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    terminated_at = clock.now()
    guarantee = fresh(Guarantee, guarantee_id)
    deposit = fresh(Deposit, deposit_id)
    assert (guarantee.release_reason, guarantee.release_due_at) == (
        "termination",
        terminated_at + timedelta(days=5),
    )
    assert (deposit.refund_reason, deposit.refund_due_at) == (
        "termination",
        terminated_at + timedelta(days=5),
    )
    clock.advance(days=5)
    assert scheduler.tick(clock.now())["guarantees"] == []  # the fifth day is still in time
    api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={"note": "returned"})
    clock.advance(seconds=1)
    (result,) = scheduler.tick(clock.now())["guarantees"]
    assert result.tender_id == tender.id
    assert result.happened == (f"deposit_refund_overdue:{deposit_id}",)
    assert scheduler.tick(clock.now())["guarantees"] == []
    clock.advance(days=1)
    assert scheduler.tick(clock.now())["guarantees"] == []
    assert [e["deposit_id"] for e in ledger("deposit.refund_overdue")] == [deposit_id]
    assert ledger("guarantee.release_overdue") == []
    refunded = api_for(admin).post(
        f"/api/deposits/{deposit_id}/refund",
        json={"bank_reference": "CCB-20260402-0001", "interest": "152.33"},
    )
    assert refunded.status_code == 200, refunded.get_json()
    assert refunded.get_json()["refund"]["interest"] == "152.33"
    assert ledger("deposit.refunded")[0]["late"] is True


def test_a_late_release_is_reported_once(secured_bid, world, clock):
    tender, _, guarantee_id, _ = secured_bid
    services.terminate_tender(world.agency, tender.id, "Cancelled.")
    clock.advance(days=5, seconds=1)
    first = guarantee_jobs.tick(clock.now())
    assert f"guarantee_release_overdue:{guarantee_id}" in first[0].happened
    assert guarantee_jobs.tick(clock.now()) == []
    assert len(ledger("guarantee.release_overdue")) == 1


def test_a_withdrawal_before_the_deadline_is_refunded_within_five_days(
    secured_bid, bidder, admin, api_for, clock
):
    user = bidder.user
    _, bid_id, guarantee_id, deposit_id = secured_bid
    clock.advance(hours=2)
    bids.withdraw_bid(user, bid_id)
    guarantee = fresh(Guarantee, guarantee_id)
    deposit = fresh(Deposit, deposit_id)
    assert guarantee.release_reason == deposit.refund_reason == "withdrawal"
    assert guarantee.release_due_at == deposit.refund_due_at == clock.now() + timedelta(days=5)
    answer = api_for(admin).post(
        f"/api/deposits/{deposit_id}/refund", json={"bank_reference": "R-7", "interest": "3.10"}
    )
    assert answer.status_code == 200 and answer.get_json()["state"] == "refunded"
    assert ledger("deposit.refunded")[0]["late"] is False
    refused(
        api_for(admin).post(f"/api/deposits/{deposit_id}/refund", json={"bank_reference": "R-7"}),
        409,
        "already_refunded",
    )
    released = api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={})
    assert released.get_json()["state"] == "released"


def test_a_signed_contract_releases_everything_within_five_days(secured_bid, clock):
    from bidhall.events import emit

    tender, _, guarantee_id, deposit_id = secured_bid
    with db.transaction():
        emit("contract.signed", "system:test", tender_id=tender.id)
    guarantee = fresh(Guarantee, guarantee_id)
    deposit = fresh(Deposit, deposit_id)
    assert guarantee.release_reason == deposit.refund_reason == "contract_signed"
    assert deposit.refund_due_at == clock.now() + timedelta(days=5)


def test_a_claimed_guarantee_is_not_released(secured_bid, world, admin, api_for, clock):
    tender, _, guarantee_id, _ = secured_bid
    read_out(tender, clock)
    guarantees.claim_guarantee(world.agency, guarantee_id, "refused_contract", "Refused.")
    services.terminate_tender(world.agency, tender.id, "Cancelled after the claim.")
    refused(
        api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={}),
        409,
        "no_release_due",
    )


def test_the_bidder_is_told_of_its_refund_and_its_guarantees_release(
    secured_bid, bidder, admin, api_for, clock
):
    from bidhall.notifications import services as messages

    tender, bid_id, guarantee_id, deposit_id = secured_bid
    bids.withdraw_bid(bidder.user, bid_id)
    api_for(admin).post(f"/api/deposits/{deposit_id}/refund", json={"bank_reference": "R-7"})
    api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={})

    kinds = [n.kind for n in messages.inbox(bidder.user).rows]

    assert kinds[:2] == ["guarantee.released", "deposit.refunded"]
    assert "bid.received" in kinds


def test_a_refund_without_a_stated_interest_pays_the_centres_rate_for_the_days_held(
    secured_bid, world, admin, api_for, clock
):
    from decimal import Decimal

    tender, _, _, deposit_id = secured_bid
    deposit = fresh(Deposit, deposit_id)
    services.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    clock.set(deposit.paid_at + timedelta(days=36, hours=1))

    refunded = api_for(admin).post(
        f"/api/deposits/{deposit_id}/refund", json={"bank_reference": "CCB-1"}
    )

    # 0.35% a year, 36 days on a 360-day year
    expected = (deposit.amount * Decimal("0.0035") * 36 / 360).quantize(Decimal("0.01"))
    assert refunded.get_json()["refund"]["interest"] == str(expected)
