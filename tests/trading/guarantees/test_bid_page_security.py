"""The bid page at the point of need: whether the tender requires security and how much, the
bidder's own status per lot, the registered issuers to get an e-guarantee from, the centre's
deposit account, and the lot marked unsecured for the upload's warning."""

from __future__ import annotations

import pytest


def page_of(login, user, tender) -> str:
    answer = login(user).get(f"/tenders/{tender.id}/bid")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


@pytest.fixture
def tender(make_tender):
    return make_tender("published")


def test_an_unsecured_bidder_is_shown_the_amount_the_issuers_and_the_validity_needed(
    tender, world, login, guarantee_for
):
    guarantee_for(tender, world.bidder())  # registers an issuer (for someone else)
    html = page_of(login, world.bidder(), tender)
    assert 'data-testid="security-required"' in html and "200,000.00" in html
    assert 'data-testid="unsecured"' in html
    assert 'data-testid="issuer"' in html
    assert "security-how" in html and 'data-testid="security-how" open' in html
    needed = tender.bid_deadline.date()  # + 90 days validity, in the tender's own zone
    assert "valid until" in html and str(needed.year) in html
    assert "data-unsecured" in html


def test_a_secured_bidder_sees_its_guarantee_and_no_warning_on_the_lot(
    tender, world, login, guarantee_for
):
    bidder = world.bidder()
    guarantee = guarantee_for(tender, bidder)
    html = page_of(login, bidder, tender)
    assert 'data-testid="secured"' in html and guarantee.number in html
    assert "data-unsecured" not in html
    assert 'data-testid="security-how" open' not in html


def test_with_no_issuer_registered_the_page_says_to_pay_a_deposit(tender, world, login):
    html = page_of(login, world.bidder(), tender)
    assert 'data-testid="no-issuers"' in html


def test_the_centres_deposit_account_is_shown_when_configured(tender, world, login, app):
    app.config.update(
        DEPOSIT_ACCOUNT_NAME="Centre deposits",
        DEPOSIT_ACCOUNT_BANK="ICBC",
        DEPOSIT_ACCOUNT_NUMBER="6222 0200 9999 0001",
    )
    html = page_of(login, world.bidder(), tender)
    assert 'data-testid="deposit-account"' in html and "6222 0200 9999 0001" in html
    assert "basic account" in html  # a construction tender: from the bidder's basic account


def test_a_tender_without_required_security_says_so_and_warns_of_nothing(make_tender, world, login):
    from tests.fixtures.factories import draft_data

    lots = draft_data(world.tenderer_org.id)["lots"]
    tender = make_tender("published", lots=[{**lots[0], "guarantee_amount": "0.00"}])
    html = page_of(login, world.bidder(), tender)
    assert 'data-testid="security-not-required"' in html
    assert "data-unsecured" not in html and 'data-testid="security-how"' not in html
