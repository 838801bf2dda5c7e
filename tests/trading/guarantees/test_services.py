"""Bid security: the issuer registry, e-guarantees signed by their issuers and checked by the
platform, binding to sealed bids, what each party sees, cash deposits from the basic account,
claims, and the release/refund obligations with their 5-day deadlines (DOMAIN.md §3)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from audit.ledger.models import LedgerEntry
from bidhall.crypto import keys
from bidhall.db import db
from bidhall.errors import DomainError
from tests.fixtures.app import csrf_token
from tests.fixtures.pki import submit_bid
from trading.bids import services as bids
from trading.guarantees import rules
from trading.guarantees import services as guarantees
from trading.guarantees.models import Deposit, Guarantee
from trading.tenders import services

_numbers = count(1)


# --- the cast -----------------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@dataclass
class IssuerHolder:
    user: object
    bundle: object
    org_id: int
    org_name: str


@dataclass
class BidderHolder:
    user: object
    bundle: object
    org_id: int


def snapshot(tender) -> SimpleNamespace:
    """Plain values of a tender: a refused request rolls back (expiring every loaded object) and
    its teardown closes the session, so tests keep what they need as plain values."""
    return SimpleNamespace(
        id=tender.id,
        reference=tender.reference,
        tenderer_id=tender.tenderer_id,
        issue_start=tender.issue_start,
        bid_deadline=tender.bid_deadline,
        bid_validity_days=tender.bid_validity_days,
    )


@pytest.fixture
def make_issuer(make_org, make_user, enrolled, admin):
    """An issuer organisation with an enrolled user; registered unless told otherwise."""

    def make(name: str | None = None, kind: str = "bank", register: bool = True):
        org = make_org("issuer", name or f"中国建设银行 第{next(_numbers)}支行")
        holder = enrolled(user=make_user("issuer", organisation=org))
        if register:
            guarantees.register_issuer(admin, org.id, kind, f"B{org.id:06d}")
        return IssuerHolder(holder.user, holder.bundle, org.id, org.name)

    return make


@pytest.fixture
def issuer(make_issuer):
    return make_issuer()


@pytest.fixture
def tender(make_tender):
    return snapshot(make_tender("published"))


@pytest.fixture
def bidder(world, enroll):
    user = world.bidder()
    return BidderHolder(user, enroll(user), user.organisation_id)


def canonical(document: dict) -> bytes:
    # the rule of docs/guarantees.md, written out here rather than borrowed from the code
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def document(tender, issuer, applicant_id: int, **overrides) -> dict:
    """A valid guarantee for lot 1: the required amount, valid from now to the end of the bid
    validity exactly."""
    doc = {
        "format": "bidhall-guarantee/1",
        "number": f"BG-2026-{next(_numbers):06d}",
        "issuer": {"organisation_id": issuer.org_id, "name": issuer.org_name},
        "applicant": {"organisation_id": applicant_id},
        "beneficiary": {"organisation_id": tender.tenderer_id},
        "tender": {"id": tender.id, "reference": tender.reference},
        "lot": 1,
        "amount": "200000.00",
        "currency": "CNY",
        "valid_from": tender.issue_start.isoformat(),
        "valid_until": (tender.bid_deadline + timedelta(days=tender.bid_validity_days)).isoformat(),
        "kind": "bank_guarantee",
    }
    doc.update(overrides)
    return doc


def signed(doc: dict, holder, signer=None) -> dict:
    bundle = (signer or holder).bundle
    return {
        "document": doc,
        "signature": base64.b64encode(bundle.signing_key.sign(canonical(doc))).decode(),
        "certificate": keys.certificate_pem(bundle.signing_cert),
    }


def submit(issuer, tender, applicant_id: int, **overrides) -> Guarantee:
    return guarantees.submit_guarantee(
        issuer.user, signed(document(tender, issuer, applicant_id, **overrides), issuer)
    )


def fresh(model, key):
    """The row as the database holds it now (the test's session may hold an older copy)."""
    return db.session.get(model, key, populate_existing=True)


def ledger(kind: str) -> list[dict]:
    rows = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.type == kind).order_by(LedgerEntry.seq)
    ).all()
    return [json.loads(row.payload) for row in rows]


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code, response.get_json()


def read_out(tender, clock) -> None:
    """Move to the tender's deadline and put its hall at the reading out, when the bidders'
    names are announced (tests/trading/opening/ run whole openings; these tests need
    only the moment)."""
    from trading.opening.models import Opening

    clock.set(max(clock.now(), tender.bid_deadline))
    with db.transaction() as session:
        session.add(Opening(tender_id=tender.id, phase="reading", last_seq=0, read_order=[]))


# --- the issuer registry ------------------------------------------------------------------------


def test_the_administrator_registers_an_issuer_and_everyone_can_read_the_registry(
    make_org, admin, api_for, client
):
    org = make_org("issuer", "平安保险 深圳分公司")
    answer = api_for(admin).post(
        "/api/issuers",
        json={"organisation_id": org.id, "kind": "insurer", "licence_number": "INS-4403-01"},
    )
    assert answer.status_code == 201, answer.get_json()
    listed = client.get("/api/issuers").get_json()
    assert [(e["name"], e["kind"], e["status"]) for e in listed] == [
        ("平安保险 深圳分公司", "insurer", "active")
    ]


def test_only_issuer_organisations_are_registered_and_only_once(make_org, admin, api_for):
    api = api_for(admin)
    bidder_org = make_org("bidder")
    refused(
        api.post(
            "/api/issuers",
            json={"organisation_id": bidder_org.id, "kind": "bank", "licence_number": "X"},
        ),
        400,
        "invalid_issuer_organisation",
    )
    org = make_org("issuer")
    body = {"organisation_id": org.id, "kind": "bank", "licence_number": "B-1"}
    assert api.post("/api/issuers", json=body).status_code == 201
    refused(api.post("/api/issuers", json=body), 409, "issuer_exists")


def test_an_unknown_issuer_kind_is_refused(make_org, admin, api_for):
    org = make_org("issuer")
    refused(
        api_for(admin).post(
            "/api/issuers",
            json={"organisation_id": org.id, "kind": "pawnshop", "licence_number": "P-1"},
        ),
        400,
        "invalid_issuer_kind",
    )


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
    assert guarantees.sign_guarantee(doc, issuer.bundle.signing_key, pem) == signed(doc, issuer)


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
    entry = guarantees.issuer_of(issuer.org_id)
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


# --- one guarantee backs one bid ----------------------------------------------------------------


def test_a_guarantee_submitted_before_the_bid_backs_it_once_sealed(issuer, tender, bidder):
    user, bundle = bidder.user, bidder.bundle
    guarantee = submit(issuer, tender, bidder.org_id)
    assert guarantee.bid_id is None
    bid = submit_bid(user, bundle, tender.id)
    assert guarantees.guarantee_for(tender.id, 1, bidder.org_id).bid_id == bid.id
    assert guarantees.bid_security(tender.id, 1, bidder.org_id).secured


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
    assert guarantees.guarantee_for(tender.id, 1, bidder.org_id).id == guarantee.id
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
    assert guarantees.guarantee_for(tender.id, 1, bidder.org_id).id == second.id


def test_a_guarantee_cannot_back_a_second_bid(issuer, tender, bidder, clock):
    user, bundle = bidder.user, bidder.bundle
    first = submit_bid(user, bundle, tender.id)
    guarantee = submit(issuer, tender, bidder.org_id)
    bids.withdraw_bid(user, first.id)
    second = submit_bid(user, bundle, tender.id)
    # the withdrawn bid's guarantee is due for release: the new bid is not backed by it
    assert fresh(Guarantee, guarantee.id).bid_id == first.id
    assert guarantees.guarantee_for(tender.id, 1, bidder.org_id) is None
    assert not guarantees.bid_security(tender.id, 1, bidder.org_id).secured
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
        issuer, snapshot(services.get_tender(hall.id)), seat.user.organisation_id
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
    guarantees.set_basic_account(admin, bidder.org_id, "4420100012345678", "B", "CCB")
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


# --- cash deposits ------------------------------------------------------------------------------


def deposit_body(tender, organisation_id: int, **overrides) -> dict:
    from bidhall import clock

    body = {
        "tender_id": tender.id,
        "lot": 1,
        "organisation_id": organisation_id,
        "amount": "200000.00",
        "paid_at": clock.now().isoformat(),
        "payer_account": "4420 1000 1234 5678",
        "payer_account_name": "Bidder Co.",
        "payer_bank": "China Construction Bank Shenzhen",
    }
    body.update(overrides)
    return body


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


# --- releases and refunds -----------------------------------------------------------------------


@pytest.fixture
def secured_bid(issuer, bidder, make_tender, admin):
    """A construction tender, a bidder with a sealed bid backed by a guarantee and a deposit
    from its basic account."""
    from bidhall import clock

    user, bundle = bidder.user, bidder.bundle
    tender = snapshot(make_tender("published"))
    guarantees.set_basic_account(admin, bidder.org_id, "44201000123456780000", "B", "CCB")
    bid = submit_bid(user, bundle, tender.id)
    guarantee = submit(issuer, tender, bidder.org_id)
    deposit = guarantees.record_deposit(
        admin,
        guarantees.DepositPayment(
            tender.id,
            1,
            bidder.org_id,
            Decimal("200000.00"),
            clock.now(),
            "44201000123456780000",
            "B",
            "CCB",
        ),
    )
    return tender, bid.id, guarantee.id, deposit.id


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
    first = guarantees.tick(clock.now())
    assert f"guarantee_release_overdue:{guarantee_id}" in first[0].happened
    assert guarantees.tick(clock.now()) == []
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


# --- role checks --------------------------------------------------------------------------------


@pytest.fixture
def routes(secured_bid, issuer, clock):
    tender, _, guarantee_id, deposit_id = secured_bid
    read_out(tender, clock)  # from when the managers and supervisors may see the guarantees
    entry = guarantees.issuer_of(issuer.org_id)
    org = fresh(Guarantee, guarantee_id).applicant_organisation_id
    return {
        ("POST", "/api/issuers"): {"admin"},
        ("POST", f"/api/issuers/{entry.id}/status"): {"admin"},
        ("PUT", f"/api/organisations/{org}/basic-account"): {"admin"},
        ("POST", "/api/guarantees"): {"issuer"},
        ("GET", "/api/guarantees"): {"issuer", "supervisor", "admin"},
        ("GET", f"/api/guarantees/{guarantee_id}"): {
            "issuer",
            "bidder",
            "supervisor",
            "admin",
            "agency",
            "tenderer",
        },
        ("POST", f"/api/guarantees/{guarantee_id}/claims"): {"agency", "tenderer"},
        ("POST", f"/api/guarantees/{guarantee_id}/release"): {"admin"},
        ("GET", f"/api/tenders/{tender.id}/guarantee"): {"bidder"},
        ("GET", f"/api/tenders/{tender.id}/guarantees/summary"): {
            "agency",
            "tenderer",
            "supervisor",
        },
        ("POST", "/api/deposits"): {"admin"},
        ("GET", "/api/deposits"): {"admin", "supervisor"},
        ("POST", f"/api/deposits/{deposit_id}/refund"): {"admin"},
        ("GET", "/issuer/guarantees"): {"issuer"},
        ("POST", "/issuer/guarantees"): {"issuer"},
    }


def test_each_route_admits_only_its_roles(routes, world, bidder, issuer, admin, make_user, api_for):
    users = {
        "agency": world.agency,
        "tenderer": world.tenderer,
        "supervisor": world.supervisor,
        "bidder": bidder.user,
        "issuer": issuer.user,
        "admin": admin,
        "expert": make_user("expert"),
    }
    clients = {name: api_for(user) for name, user in users.items()}
    wrong = []
    for (method, url), allowed in routes.items():
        for name, api in clients.items():
            response = api.client.open(
                url, method=method, headers=api.headers, json={} if method != "GET" else None
            )
            admitted = response.status_code not in (401, 403, 404)
            if admitted != (name in allowed):
                wrong.append(f"{method} {url} as {name}: {response.status_code}")
    assert wrong == []


def test_an_anonymous_caller_is_asked_to_sign_in(routes, client):
    # with a valid CSRF token, so that only authentication can refuse it
    headers = {"Accept": "application/json", "X-CSRFToken": csrf_token(client, "/login")}
    for method, url in routes:
        response = client.open(
            url, method=method, headers=headers, json={} if method != "GET" else None
        )
        assert response.status_code == 401, (method, url, response.status_code)


# --- the issuer's page --------------------------------------------------------------------------


def test_the_issuer_pastes_a_signed_guarantee_on_its_page(issuer, tender, bidder, login):
    browser = login(issuer.user)
    page = browser.get("/issuer/guarantees")
    assert page.status_code == 200
    assert issuer.org_name in page.get_data(as_text=True)
    submission = signed(document(tender, issuer, bidder.org_id), issuer)
    answer = browser.post(
        "/issuer/guarantees",
        data={
            "csrf_token": csrf_token(browser, "/issuer/guarantees"),
            "document": json.dumps(submission, ensure_ascii=False),
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    listed = browser.get("/issuer/guarantees").get_data(as_text=True)
    assert submission["document"]["number"] in listed
    assert 'data-testid="guarantee-state"' in listed


def test_the_issuer_uploads_a_signed_file_and_sees_a_refusal_with_its_code(
    issuer, tender, bidder, login
):
    import io

    browser = login(issuer.user)
    submission = signed(document(tender, issuer, bidder.org_id, amount="1.00"), issuer)
    answer = browser.post(
        "/issuer/guarantees",
        data={
            "csrf_token": csrf_token(browser, "/issuer/guarantees"),
            "file": (io.BytesIO(json.dumps(submission).encode()), "guarantee.json"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert "amount_too_low" in answer.get_data(as_text=True)
    broken = browser.post(
        "/issuer/guarantees",
        data={"csrf_token": csrf_token(browser, "/issuer/guarantees"), "document": "{not json"},
    )
    assert broken.status_code == 400


# --- the rules ----------------------------------------------------------------------------------


def test_a_guarantee_covers_the_validity_up_to_its_last_second():
    from datetime import UTC, datetime

    deadline = datetime(2026, 3, 22, 1, 30, tzinfo=UTC)
    end = deadline + timedelta(days=90)
    assert rules.guarantee_covers(end, deadline, 90)
    assert not rules.guarantee_covers(end - timedelta(seconds=1), deadline, 90)
    # an amendment that moves the deadline makes the same guarantee too short
    assert not rules.guarantee_covers(end, deadline + timedelta(days=1), 90)


def test_account_numbers_compare_without_spaces_and_dashes():
    assert rules.normal_account("4420 1000-1234　5678") == "4420100012345678"


# --- a bid revoked at the opening (E-Rules Art 31) ----------------------------------------------


def revoked_at_opening(issuer, make_hall):
    """A hall where the third bidder, whose bid is guaranteed, never decrypts."""
    hall = make_hall(3)
    seat = hall.bidders[2]
    guarantee = submit(issuer, snapshot(services.get_tender(hall.id)), seat.user.organisation_id)
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
    guarantee = submit(issuer, snapshot(services.get_tender(hall.id)), seat.user.organisation_id)
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
