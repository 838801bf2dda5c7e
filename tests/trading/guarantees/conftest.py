"""The cast of the guarantee tests (an administrator, issuers, a published tender, an enrolled
bidder, a bid secured by a guarantee and a deposit) and the helpers that sign and submit
guarantees and read the ledger."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audit.ledger.models import LedgerEntry
from bidhall.crypto import keys
from bidhall.db import db
from tests.fixtures.pki import submit_bid
from trading.guarantees import deposits, issuers
from trading.guarantees import services as guarantees
from trading.guarantees.models import Guarantee

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
            issuers.register_issuer(admin, org.id, kind, f"B{org.id:06d}")
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


@pytest.fixture
def secured_bid(issuer, bidder, make_tender, admin):
    """A construction tender, a bidder with a sealed bid backed by a guarantee and a deposit
    from its basic account."""
    from bidhall import clock

    user, bundle = bidder.user, bidder.bundle
    tender = snapshot(make_tender("published"))
    issuers.set_basic_account(admin, bidder.org_id, "44201000123456780000", "B", "CCB")
    bid = submit_bid(user, bundle, tender.id)
    guarantee = submit(issuer, tender, bidder.org_id)
    deposit = deposits.record_deposit(
        admin,
        deposits.DepositPayment(
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
