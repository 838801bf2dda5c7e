"""A tender taken through the real services from its bids to its signed contract and the
refund of a cash deposit: three bids sealed (the first backed by an e-guarantee, the third by
a cash deposit from its basic account), opened by their bidders, the report's candidates
published, the lowest price awarded and contracted, and two days later the deposit refunded
(the award's steps: tests/trading/award/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest


@dataclass
class Contracted:
    tender_id: int
    award_id: int
    deposit_id: int
    bid_deadline: datetime
    decided_at: datetime
    refunded_at: datetime


@pytest.fixture
def contracted(make_tender, seal_bids, guarantee_for, make_user, api_for, clock) -> Contracted:
    from bidhall.accounts.models import User
    from bidhall.clock import local
    from bidhall.db import db
    from trading.award.queries import get_award
    from trading.guarantees import deposits, issuers

    tender = make_tender("published")
    hall = seal_bids(tender)
    guarantee_for(tender, hall.bidders[0].user)
    admin = make_user("admin")
    admin_id = admin.id
    payer = hall.bidders[2].user
    issuers.set_basic_account(admin, payer.organisation_id, "44201000123456780000", "B", "CCB")
    deposit_id = deposits.record_deposit(
        admin,
        deposits.DepositPayment(
            tender.id,
            1,
            payer.organisation_id,
            Decimal("200000.00"),
            clock.now(),
            "44201000123456780000",
            "B",
            "CCB",
        ),
    ).id
    hall.read_out()
    hall.run(hall.agency, "close")
    award_id = hall.hand_over_report()
    ranked = hall.ranked()
    agency = api_for(db.session.get(User, hall.agency_id))
    published = agency.post(f"/api/awards/{award_id}/publicity", json={"days": 3})
    assert published.status_code == 200, published.get_json()
    clock.set(get_award(award_id).publicity_end)
    decided = agency.post(f"/api/awards/{award_id}/decision", json={})
    assert decided.status_code == 200, decided.get_json()
    signed = agency.post(
        f"/api/awards/{award_id}/contract",
        json={
            "amount": ranked[0].summary["price"],
            "performance_security": "500000.00",
            "signed_on": local(clock.now(), "Asia/Shanghai").date().isoformat(),
        },
    )
    assert signed.status_code == 201, signed.get_json()
    decided_at = get_award(award_id).decided_at
    clock.advance(days=2)
    deposits.refund_deposit(db.session.get(User, admin_id), deposit_id, "CCB-REFUND-1")
    return Contracted(
        tender.id,
        award_id,
        deposit_id,
        tender.bid_deadline,
        decided_at,
        clock.now(),
    )
