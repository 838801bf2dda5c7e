"""The notices the platform signs to a guarantee's issuer: the release once the guarantee is
released, a claim when the beneficiary claims; checked offline as the issuer's system would."""

from __future__ import annotations

import copy

import pytest

from bidhall.errors import RuleViolation
from tests.trading.guarantees.conftest import read_out
from trading.guarantees import notices
from trading.tenders import services


@pytest.fixture
def root_pem(app) -> str:
    from bidhall.crypto import services as crypto

    return crypto.root_pem()


def test_a_release_signed_to_the_issuer_verifies_and_names_the_guarantee(
    secured_bid, world, issuer, admin, api_for, root_pem
):
    tender, _, guarantee_id, _ = secured_bid
    services.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    released = api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={})
    assert released.status_code == 200, released.get_json()
    (notice,) = api_for(issuer.user).get(f"/api/guarantees/{guarantee_id}/notices").get_json()
    body = notices.verify(notice, root_pem)
    assert body["format"] == "bidhall-guarantee-release/1"
    assert body["guarantee"]["number"] == released.get_json()["number"]
    assert (body["tender"]["id"], body["lot"], body["reason"]) == (tender.id, 1, "termination")


def test_a_claim_signed_to_the_issuer_carries_its_trigger_and_amount(
    secured_bid, world, issuer, api_for, clock, root_pem
):
    tender, _, guarantee_id, _ = secured_bid
    read_out(tender, clock)
    claimed = api_for(world.agency).post(
        f"/api/guarantees/{guarantee_id}/claims",
        json={"trigger": "refused_contract", "reason": "Declined to sign."},
    )
    assert claimed.status_code == 201, claimed.get_json()
    (notice,) = api_for(issuer.user).get(f"/api/guarantees/{guarantee_id}/notices").get_json()
    body = notices.verify(notice, root_pem)
    assert body["format"] == "bidhall-guarantee-claim/1"
    assert (body["trigger"], body["amount"], body["claim_id"]) == (
        "refused_contract",
        claimed.get_json()["amount"],
        claimed.get_json()["id"],
    )


def test_a_changed_notice_fails_its_check(secured_bid, world, issuer, admin, api_for, root_pem):
    tender, _, guarantee_id, _ = secured_bid
    services.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={})
    (notice,) = api_for(issuer.user).get(f"/api/guarantees/{guarantee_id}/notices").get_json()
    forged = copy.deepcopy(notice)
    forged["notice"]["reason"] = "contract_signed"
    with pytest.raises(RuleViolation) as refused:
        notices.verify(forged, root_pem)
    assert refused.value.code == "bad_signature"


def test_the_issuer_is_told_of_the_release_in_its_message_centre(
    secured_bid, world, issuer, admin, api_for, login
):
    tender, _, guarantee_id, _ = secured_bid
    services.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={})
    browser = login(issuer.user)
    texts = [m["text"] for m in browser.get("/api/messages").get_json()["messages"]]
    assert any("was released; the signed release is on your page" in t for t in texts), texts
    assert 'data-testid="notices"' in browser.get("/issuer/guarantees").get_data(as_text=True)


def test_another_issuer_finds_no_notices(secured_bid, world, make_issuer, admin, api_for):
    tender, _, guarantee_id, _ = secured_bid
    services.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    api_for(admin).post(f"/api/guarantees/{guarantee_id}/release", json={})
    other = make_issuer()
    answer = api_for(other.user).get(f"/api/guarantees/{guarantee_id}/notices")
    assert answer.status_code == 404
