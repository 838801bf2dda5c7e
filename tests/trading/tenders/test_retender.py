"""Re-tendering (Regs Art 44): a tender that failed at its opening is re-tendered whole, a lot
that failed alone (too few bids, or every bid rejected by the committee) on its own, as a new
draft linked to the original that is filed and published like any tender."""

from __future__ import annotations

import pytest

LOTS = [
    {
        "number": 1,
        "title": "Lot 1: main works",
        "estimated_price": "12000000.00",
        "ceiling_price": "11500000.00",
        "guarantee_amount": "200000.00",
    },
    {
        "number": 2,
        "title": "Lot 2: landscaping",
        "estimated_price": "3000000.00",
        "ceiling_price": "2900000.00",
        "guarantee_amount": "50000.00",
    },
]


def ledger(type_: str) -> list[dict]:
    import json

    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    return [
        json.loads(e.payload)
        for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.type == type_))
    ]


@pytest.fixture
def agency(api_for, world):
    return api_for(world.agency)


@pytest.fixture
def failed(make_hall):
    """A tender that received 2 bids: at its deadline it failed whole."""
    hall = make_hall(2)
    hall.reach_deadline()
    return hall


@pytest.fixture
def lot_failed(make_tender, seal_bids, world, enroll):
    """Two lots: lot 1 received 3 bids and was opened, lot 2 one bid, so lot 2 failed alone."""
    from tests.fixtures.pki import SUMMARY, submit_bid

    tender = make_tender("published", lots=LOTS)
    hall = seal_bids(tender)
    loner = world.bidder()
    submit_bid(loner, enroll(loner), tender.id, SUMMARY | {"lot": 2, "price": "2800000.00"})
    hall.read_out()
    hall.run(hall.agency, "read_next")  # lot 2's bid is announced as not opened
    hall.run(hall.agency, "close")
    return hall


def test_a_tender_that_failed_at_its_opening_is_re_tendered_whole_as_a_linked_draft(failed, agency):
    from trading.tenders.queries import get_tender

    response = agency.post(f"/api/tenders/{failed.id}/retender")

    assert response.status_code == 201, response.get_json()
    retender = get_tender(response.get_json()["id"])
    original = get_tender(failed.id)
    assert retender.state.value == "draft"
    assert retender.retender_of_id == original.id
    assert [lot.title for lot in retender.lots] == [lot.title for lot in original.lots]
    assert [d.sha256 for d in retender.documents] == [d.sha256 for d in original.documents]
    assert ledger("tender.retendered") == [
        {"tender_id": original.id, "new_tender_id": retender.id, "lots": [1], "reason": "failed"}
    ]


def test_the_re_tenders_dates_leave_the_legal_periods(failed, agency):
    from datetime import timedelta

    from trading.tenders.queries import get_tender

    retender = get_tender(agency.post(f"/api/tenders/{failed.id}/retender").get_json()["id"])

    assert retender.bid_deadline - retender.issue_start >= timedelta(days=20)
    assert retender.issue_end - retender.issue_start >= timedelta(days=5)


def test_a_tender_is_re_tendered_once(failed, agency):
    agency.post(f"/api/tenders/{failed.id}/retender")

    again = agency.post(f"/api/tenders/{failed.id}/retender")

    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_retendered"


def test_a_tender_with_nothing_failed_is_not_re_tendered(make_tender, agency):
    tender = make_tender("published")

    response = agency.post(f"/api/tenders/{tender.id}/retender")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "nothing_failed"


def test_another_agency_cannot_re_tender_it(failed, api_for, make_user):
    response = api_for(make_user("agency")).post(f"/api/tenders/{failed.id}/retender")

    assert response.status_code == 403


def test_a_lot_with_too_few_bids_is_re_tendered_alone_while_the_other_goes_on(lot_failed, agency):
    from trading.tenders.queries import get_tender

    response = agency.post(f"/api/tenders/{lot_failed.id}/retender")

    retender = get_tender(response.get_json()["id"])
    assert [(lot.number, lot.title) for lot in retender.lots] == [(1, "Lot 2: landscaping")]
    assert retender.retender_lots == [2]
    assert get_tender(lot_failed.id).state.value == "opened"


def test_a_lot_whose_every_bid_was_rejected_is_to_be_re_tendered(lot_failed, client, clock):
    from bidhall.db import db
    from trading.award import services
    from trading.tenders import retender
    from trading.tenders.queries import get_tender

    with db.transaction() as session:
        services.receive_report(session, lot_failed.id, 1, [], "cd" * 32, clock.now())

    assert retender.failed_lots(db.session, get_tender(lot_failed.id)) == [1, 2]
    page = client.get(f"/tenders/{lot_failed.id}").get_data(as_text=True)
    assert 'data-testid="lot-failed"' in page


def test_the_manage_page_offers_to_re_tender_the_failed_lots(failed, login):
    from tests.fixtures.app import csrf_token

    browser = login(failed.agency)
    page = f"/agency/tenders/{failed.id}"
    assert 'data-testid="failed-lots"' in browser.get(page).get_data(as_text=True)

    response = browser.post(f"{page}/retender", data={"csrf_token": csrf_token(browser, page)})

    assert response.status_code == 302
    assert 'data-testid="retender-of"' in browser.get(response.location).get_data(as_text=True)


def test_the_public_page_does_not_link_to_a_re_tender_still_in_draft(failed, agency, client):
    agency.post(f"/api/tenders/{failed.id}/retender")

    page = client.get(f"/tenders/{failed.id}").get_data(as_text=True)

    assert 'data-testid="failed-lots"' in page
    assert 'data-testid="retendered-as"' not in page
