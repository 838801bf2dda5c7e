"""Claims (索赔) on a guarantee: by the tender's managers, within the validity, once they may
see it; and the claim on a bid revoked at the opening (E-Rules Art 31)."""

from __future__ import annotations

from datetime import timedelta

from tests.trading.guarantees.conftest import ledger, read_out, refused, snapshot, submit
from trading.tenders import queries

# --- claims -------------------------------------------------------------------------------------


def test_a_claim_within_the_validity_after_the_deadline_is_recorded(
    issuer, tender, bidder, world, api_for, clock
):
    guarantee = submit(issuer, tender, bidder.org_id)
    clock.set(tender.bid_deadline + timedelta(days=3))
    read_out(tender, clock)
    answer = api_for(world.agency).post(
        f"/api/guarantees/{guarantee.id}/claims",
        json={"trigger": "withdrawal_after_deadline", "reason": "Withdrew on day 3 of validity."},
    )
    assert answer.status_code == 201, answer.get_json()
    (seen,) = api_for(issuer.user).get("/api/guarantees").get_json()
    assert seen["state"] == "claimed"
    assert seen["claims"][0]["trigger"] == "withdrawal_after_deadline"
    assert ledger("guarantee.claimed")[0]["guarantee_id"] == guarantee.id
    refused(
        api_for(world.agency).post(
            f"/api/guarantees/{guarantee.id}/claims",
            json={"trigger": "fraud", "reason": "again"},
        ),
        409,
        "guarantee_claimed",
    )


def test_a_claim_after_the_validity_is_refused(issuer, tender, bidder, world, api_for, clock):
    guarantee = submit(issuer, tender, bidder.org_id)
    guarantee_id, valid_until = guarantee.id, guarantee.valid_until
    api = api_for(world.tenderer)
    clock.set(valid_until + timedelta(seconds=1))
    read_out(tender, clock)
    refused(
        api.post(
            f"/api/guarantees/{guarantee_id}/claims",
            json={"trigger": "refused_contract", "reason": "Refused to sign."},
        ),
        422,
        "outside_validity",
    )
    # its last second still counts
    clock.set(valid_until)
    assert (
        api.post(
            f"/api/guarantees/{guarantee_id}/claims",
            json={"trigger": "refused_contract", "reason": "Refused to sign."},
        ).status_code
        == 201
    )


def test_before_the_reading_out_a_manager_finds_no_guarantee_to_claim(
    issuer, tender, bidder, world, api_for, clock
):
    """Answers that told a guarantee of the tender from none would let its managers count the
    guarantees (the bidders) by trying ids; before the reading out they cannot see one, so
    there is none to claim, not even for fraud."""
    guarantee_id = submit(issuer, tender, bidder.org_id).id
    api = api_for(world.agency)
    for moment in (tender.issue_start, tender.bid_deadline):
        clock.set(moment)
        for trigger in ("fraud", "late"):
            body = {"trigger": trigger, "reason": "Forged qualification certificate."}
            real = api.post(f"/api/guarantees/{guarantee_id}/claims", json=body)
            missing = api.post("/api/guarantees/99999/claims", json=body)
            refused(real, 404, "guarantee_not_found")
            assert real.get_json()["error"]["message"] == missing.get_json()["error"][
                "message"
            ].replace("99999", str(guarantee_id))
    read_out(tender, clock)
    refused(
        api.post(f"/api/guarantees/{guarantee_id}/claims", json={"trigger": "late", "reason": "?"}),
        400,
        "invalid_trigger",
    )
    assert (
        api.post(
            f"/api/guarantees/{guarantee_id}/claims",
            json={"trigger": "fraud", "reason": "Forged qualification certificate."},
        ).status_code
        == 201
    )


def test_another_agency_cannot_claim(issuer, tender, bidder, make_user, api_for, clock):
    guarantee = submit(issuer, tender, bidder.org_id)
    read_out(tender, clock)
    refused(
        api_for(make_user("agency")).post(
            f"/api/guarantees/{guarantee.id}/claims",
            json={"trigger": "fraud", "reason": "not ours"},
        ),
        404,
        "guarantee_not_found",
    )


# --- a bid revoked at the opening (E-Rules Art 31) ----------------------------------------------


def revoked_at_opening(issuer, make_hall):
    """A hall where the third bidder, whose bid is guaranteed, never decrypts."""
    hall = make_hall(3)
    seat = hall.bidders[2]
    guarantee = submit(issuer, snapshot(queries.get_tender(hall.id)), seat.user.organisation_id)
    hall.reach_deadline()
    for other in hall.bidders[:2]:
        hall.run(other.user, "decrypt", bid_id=other.bid_id, **hall.keys(other))
    hall.tick_at(hall.deadline + timedelta(minutes=30))
    return hall, guarantee.id


def test_the_guarantee_of_a_bid_revoked_at_the_opening_may_be_claimed(issuer, make_hall, api_for):
    hall, guarantee_id = revoked_at_opening(issuer, make_hall)
    answer = api_for(hall.agency).post(
        f"/api/guarantees/{guarantee_id}/claims",
        json={"trigger": "not_decrypted", "reason": "Not decrypted within the window."},
    )
    assert answer.status_code == 201, answer.get_json()


def test_a_not_decrypted_claim_on_a_bid_that_was_decrypted_is_refused(issuer, make_hall, api_for):
    hall = make_hall(3)
    seat = hall.bidders[0]
    guarantee = submit(issuer, snapshot(queries.get_tender(hall.id)), seat.user.organisation_id)
    guarantee_id = guarantee.id
    hall.reach_deadline()
    for each in hall.bidders:  # every bid decrypted: the reading out starts
        hall.run(each.user, "decrypt", bid_id=each.bid_id, **hall.keys(each))
    refused(
        api_for(hall.agency).post(
            f"/api/guarantees/{guarantee_id}/claims",
            json={"trigger": "not_decrypted", "reason": "It was, in fact, decrypted."},
        ),
        422,
        "bid_not_revoked",
    )
