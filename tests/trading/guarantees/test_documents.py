"""Accepting e-guarantees: the signed ``bidhall-guarantee/1`` document, its signature, the
issuer's certificate and registration, the terms, the number's uniqueness and the shape checks
that name the faulty field."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bidhall.crypto import keys
from bidhall.db import db
from bidhall.errors import DomainError
from tests.trading.guarantees.conftest import (
    canonical,
    document,
    ledger,
    refused,
    signed,
    snapshot,
    submit,
)
from trading.guarantees import documents, issuers
from trading.guarantees import services as guarantees
from trading.guarantees.models import Guarantee

# --- accepting e-guarantees ---------------------------------------------------------------------


def test_a_valid_guarantee_is_accepted_and_its_bidder_sees_it(issuer, tender, bidder, api_for):
    user = bidder.user
    answer = api_for(issuer.user).post(
        "/api/guarantees", json=signed(document(tender, issuer, bidder.org_id), issuer)
    )
    assert answer.status_code == 201, answer.get_json()
    accepted = answer.get_json()
    assert accepted["state"] == "active"
    assert accepted["amount"] == "200000.00"
    status = api_for(user).get(f"/api/tenders/{tender.id}/guarantee").get_json()
    (lot,) = status["lots"]
    assert lot["lot"] == 1 and lot["secured"] is True and lot["bid_id"] is None
    assert lot["guarantee_id"] == accepted["id"]
    assert lot["guarantees"][0]["issuer"]["name"] == issuer.org_name
    assert ledger("guarantee.accepted")[0]["guarantee_id"] == accepted["id"]


def test_the_document_is_kept_as_the_exact_bytes_the_issuer_signed(issuer, tender, bidder):
    doc = document(tender, issuer, bidder.org_id)
    guarantee = guarantees.submit_guarantee(issuer.user, signed(doc, issuer))
    assert guarantee.document.encode() == canonical(doc)
    issuer.bundle.signing_cert.public_key().verify(
        base64.b64decode(guarantee.signature), guarantee.document.encode()
    )


def test_the_reference_signer_signs_what_the_documentation_says(issuer, tender, bidder):
    doc = document(tender, issuer, bidder.org_id)
    pem = keys.certificate_pem(issuer.bundle.signing_cert)
    assert documents.sign_guarantee(doc, issuer.bundle.signing_key, pem) == signed(doc, issuer)


def test_a_changed_amount_breaks_the_signature(issuer, tender, bidder, api_for):
    submission = signed(document(tender, issuer, bidder.org_id), issuer)
    submission["document"]["amount"] = "2000000.00"
    refused(api_for(issuer.user).post("/api/guarantees", json=submission), 422, "bad_signature")
    assert db.session.scalar(select(func.count()).select_from(Guarantee)) == 0


def test_a_guarantee_of_an_unregistered_issuer_is_refused(make_issuer, tender, bidder, api_for):
    stranger = make_issuer(register=False)
    refused(
        api_for(stranger.user).post(
            "/api/guarantees",
            json=signed(document(tender, stranger, bidder.org_id), stranger),
        ),
        422,
        "unknown_issuer",
    )


def test_a_guarantee_signed_by_another_issuer_than_it_names_is_refused(
    issuer, make_issuer, tender, bidder, api_for
):
    other = make_issuer()
    submission = signed(document(tender, issuer, bidder.org_id), issuer, signer=other)
    refused(api_for(issuer.user).post("/api/guarantees", json=submission), 422, "unknown_issuer")


def test_a_suspended_issuer_is_refused_until_reinstated(issuer, tender, bidder, admin, api_for):
    entry = issuers.issuer_of(issuer.org_id)
    api = api_for(admin)
    assert (
        api.post(
            f"/api/issuers/{entry.id}/status", json={"status": "suspended", "reason": "licence"}
        ).status_code
        == 200
    )
    with pytest.raises(DomainError) as refusal:
        submit(issuer, tender, bidder.org_id)
    assert refusal.value.code == "unknown_issuer"
    api.post(f"/api/issuers/{entry.id}/status", json={"status": "active", "reason": "renewed"})
    assert submit(issuer, tender, bidder.org_id).state.value == "active"


def test_a_guarantee_signed_with_a_revoked_certificate_is_refused(
    issuer, tender, bidder, admin, api_for, clock
):
    from bidhall.crypto import services as pki

    pki.revoke(admin, format(issuer.bundle.signing_cert.serial_number, "x"), "key_compromise")
    clock.advance(seconds=1)
    refused(
        api_for(issuer.user).post(
            "/api/guarantees", json=signed(document(tender, issuer, bidder.org_id), issuer)
        ),
        422,
        "revoked",
    )


def test_a_certificate_for_encryption_cannot_sign_a_guarantee(issuer, tender, bidder, api_for):
    submission = signed(document(tender, issuer, bidder.org_id), issuer)
    submission["certificate"] = keys.certificate_pem(issuer.bundle.encryption_cert)
    refused(
        api_for(issuer.user).post("/api/guarantees", json=submission),
        422,
        "not_a_signing_certificate",
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"amount": "199999.99"}, "amount_too_low"),
        ({"currency": "USD"}, "wrong_currency"),
        ({"lot": 2}, "wrong_lot"),
        ({"kind": "insurance_policy"}, "wrong_guarantee_kind"),
    ],
)
def test_the_terms_of_a_guarantee_are_checked(issuer, tender, bidder, api_for, overrides, code):
    answer = api_for(issuer.user).post(
        "/api/guarantees",
        json=signed(document(tender, issuer, bidder.org_id, **overrides), issuer),
    )
    refused(answer, 422, code)


def test_a_guarantee_ending_one_second_before_the_bid_validity_is_refused(issuer, tender, bidder):
    needed = tender.bid_deadline + timedelta(days=tender.bid_validity_days)
    with pytest.raises(DomainError) as refusal:
        submit(
            issuer,
            tender,
            bidder.org_id,
            valid_until=(needed - timedelta(seconds=1)).isoformat(),
        )
    assert refusal.value.code == "validity_too_short"
    # exactly the end of the validity is enough
    assert submit(issuer, tender, bidder.org_id, valid_until=needed.isoformat())


def test_a_guarantee_for_another_tender_or_beneficiary_is_refused(
    issuer, tender, make_tender, bidder, world, api_for
):
    other = snapshot(make_tender("published"))
    agency_org = world.agency.organisation_id
    api = api_for(issuer.user)
    wrong_reference = document(tender, issuer, bidder.org_id)
    wrong_reference["tender"] = {"id": tender.id, "reference": other.reference}
    refused(api.post("/api/guarantees", json=signed(wrong_reference, issuer)), 422, "wrong_tender")
    no_such = document(tender, issuer, bidder.org_id)
    no_such["tender"] = {"id": 999999, "reference": "BH-2026-99999"}
    refused(api.post("/api/guarantees", json=signed(no_such, issuer)), 422, "wrong_tender")
    wrong_beneficiary = document(
        tender,
        issuer,
        bidder.org_id,
        beneficiary={"organisation_id": agency_org},
    )
    refused(
        api.post("/api/guarantees", json=signed(wrong_beneficiary, issuer)),
        422,
        "wrong_beneficiary",
    )


def test_a_number_racing_past_the_check_is_refused_by_the_unique_key(
    issuer, tender, bidder, api_for, monkeypatch
):
    # as a concurrent submission sees it: the other one commits after this one's check
    doc = document(tender, issuer, bidder.org_id)
    api = api_for(issuer.user)
    assert api.post("/api/guarantees", json=signed(doc, issuer)).status_code == 201
    monkeypatch.setattr(guarantees, "_number_taken", lambda *args: False)
    refused(api.post("/api/guarantees", json=signed(doc, issuer)), 409, "duplicate_number")
    assert db.session.scalar(select(func.count(Guarantee.id))) == 1


def test_a_guarantee_number_is_accepted_once(issuer, tender, bidder, api_for):
    doc = document(tender, issuer, bidder.org_id)
    api = api_for(issuer.user)
    assert api.post("/api/guarantees", json=signed(doc, issuer)).status_code == 201
    refused(api.post("/api/guarantees", json=signed(doc, issuer)), 409, "duplicate_number")
    other_lot_same_number = doc | {"amount": "300000.00"}
    refused(
        api.post("/api/guarantees", json=signed(other_lot_same_number, issuer)),
        409,
        "duplicate_number",
    )


def test_an_issuer_submits_only_its_own_guarantees(issuer, make_issuer, tender, bidder, api_for):
    other = make_issuer()
    refused(
        api_for(issuer.user).post(
            "/api/guarantees", json=signed(document(tender, other, bidder.org_id), other)
        ),
        403,
        "not_your_guarantee",
    )


@pytest.mark.parametrize(
    ("mangle", "code", "field"),
    [
        (lambda s: s["document"].update(amount=200000.0), "invalid_guarantee", "document.amount"),
        (
            lambda s: s["document"].update(format="bidhall-guarantee/2"),
            "invalid_guarantee",
            "document.format",
        ),
        (
            lambda s: s["document"].update(valid_until="2026-12-31"),
            "invalid_guarantee",
            "document.valid_until",
        ),
        (lambda s: s["document"].pop("number"), "invalid_guarantee", "document.number"),
        (lambda s: s.update(signature="not base64!"), "invalid_guarantee", "signature"),
        (lambda s: s["document"].update(lot=2**60), "invalid_guarantee", "document.lot"),
        # refused at the edge, like any text holding what no text field accepts
        (lambda s: s["document"].update(number="BG-\ud800"), "invalid_text", "document.number"),
    ],
)
def test_a_malformed_submission_names_its_field(
    issuer, tender, bidder, api_for, mangle, code, field
):
    submission = signed(document(tender, issuer, bidder.org_id), issuer)
    mangle(submission)
    answer = api_for(issuer.user).post("/api/guarantees", json=submission)
    refused(answer, 400, code)
    assert answer.get_json()["error"]["details"]["field"] == field


def test_after_the_deadline_no_guarantee_is_taken(issuer, tender, bidder, clock):
    clock.set(tender.bid_deadline)
    with pytest.raises(DomainError) as refusal:
        submit(issuer, tender, bidder.org_id)
    assert refusal.value.code == "bid_deadline_passed"
