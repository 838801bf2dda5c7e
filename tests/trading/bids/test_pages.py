"""The bidder's tender page and the managers' count of sealed bids, through the HTTP test client
with real sessions and CSRF tokens: the sealing kit, the bidder's own bids only, withdrawal
through the page form before and after the deadline, the receipt download, and a console that
counts holders and bids only from the opening, without naming anyone (Law Art 22)."""

from __future__ import annotations

import html
import json
import re

import pytest

from bidhall.db import db
from tests.fixtures.app import csrf_token
from tests.fixtures.pki import submit_bid
from trading.bids import receipts as bids
from trading.bids import services as bid_services
from trading.bids.models import Bid, BidState

ENGLISH = {"Accept-Language": "en"}


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def bid_state(bid_id: int) -> BidState:
    db.session.expire_all()
    return db.session.get(Bid, bid_id).state


@pytest.fixture
def tender(make_tender):
    return make_tender("published")


@pytest.fixture
def bidder(world, enroll, tender, login):
    """A bidder with a sealed bid in the tender, signed in through the login form."""
    user = world.bidder()
    bundle = enroll(user)
    bid = submit_bid(user, bundle, tender.id)
    return user, bid, login(user)


def test_the_bid_page_shows_the_sealing_kit_and_the_bidders_sealed_bid(tender, bidder):
    user, bid, browser = bidder

    response = browser.get(f"/tenders/{tender.id}/bid", headers=ENGLISH)

    page = text_of(response)
    assert response.status_code == 200
    assert f'href="/api/tenders/{tender.id}/sealing"' in page
    assert (
        "bidhall seal --tender descriptor.json --summary summary.json --documents DIR "
        "--key me.bhkey -o bid.seal"
    ) in page
    assert "bidhall seal verify bid.seal" in page
    assert f"Bidding as {user.organisation.name}" in page
    assert 'data-testid="bid-upload-form"' in page
    assert f'href="/api/tenders/{tender.id}/documents/{tender.documents[0].id}"' in page
    row = re.search(rf'<tr data-testid="my-bid" data-bid-id="{bid.id}" data-state="(\w+)"', page)
    assert row and row.group(1) == "sealed"
    assert bid.manifest_sha256[:16] in page
    assert f'href="/tenders/{tender.id}/bids/{bid.id}/receipt.json"' in page
    assert f'action="/tenders/{tender.id}/bids/{bid.id}/withdraw"' in page
    assert "the earlier bid is kept as superseded" in page


def test_the_bid_page_never_shows_another_bidders_bid(tender, bidder, world, enroll):
    _user, bid, browser = bidder
    rival = world.bidder()
    rival_bid = submit_bid(rival, enroll(rival), tender.id)

    page = text_of(browser.get(f"/tenders/{tender.id}/bid", headers=ENGLISH))

    assert re.findall(r'data-testid="my-bid" data-bid-id="(\d+)"', page) == [str(bid.id)]
    assert rival_bid.manifest_sha256[:16] not in page
    assert rival.organisation.name not in page
    assert rival.username not in page


def test_a_replaced_bid_is_listed_as_superseded_under_the_new_one(tender, world, enroll, login):
    user = world.bidder()
    bundle = enroll(user)
    first = submit_bid(user, bundle, tender.id)
    second = submit_bid(user, bundle, tender.id)

    page = text_of(login(user).get(f"/tenders/{tender.id}/bid", headers=ENGLISH))

    rows = re.findall(r'data-testid="my-bid" data-bid-id="(\d+)" data-state="(\w+)"', page)
    assert rows == [(str(second.id), "sealed"), (str(first.id), "superseded")]
    assert page.count('data-testid="withdraw"') == 1


def test_a_bidder_without_bids_is_told_so_and_may_upload(tender, world, login):
    page = text_of(login(world.bidder()).get(f"/tenders/{tender.id}/bid", headers=ENGLISH))

    assert "You have not submitted a bid for this tender yet." in page
    assert 'data-testid="bid-upload-form"' in page


@pytest.mark.parametrize("role", ["agency", "tenderer", "supervisor", "expert", "issuer", "admin"])
def test_the_bid_page_is_for_bidders_only(tender, world, make_user, login, role):
    user = {"agency": world.agency, "tenderer": world.tenderer}.get(role) or make_user(role)

    response = login(user).get(f"/tenders/{tender.id}/bid")

    assert response.status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in_for_the_bid_page(tender, client):
    response = client.get(f"/tenders/{tender.id}/bid")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_draft_tender_has_no_bid_page(make_tender, world, login):
    draft = make_tender("draft")

    assert login(world.bidder()).get(f"/tenders/{draft.id}/bid").status_code == 404


def test_the_public_detail_page_links_a_signed_in_bidder_to_its_bid_page(tender, world, login):
    detail = text_of(login(world.bidder()).get(f"/tenders/{tender.id}"))

    assert f'href="/tenders/{tender.id}/bid"' in detail
    assert 'data-testid="bid-link"' in detail


def test_the_public_detail_page_has_no_bid_link_for_others(tender, client, login, world):
    assert 'data-testid="bid-link"' not in text_of(client.get(f"/tenders/{tender.id}"))
    assert 'data-testid="bid-link"' not in text_of(login(world.agency).get(f"/tenders/{tender.id}"))


# --- withdrawal through the page form -----------------------------------------------------------


def test_a_bidder_withdraws_its_bid_through_the_page_form(tender, bidder):
    _user, bid, browser = bidder
    page = f"/tenders/{tender.id}/bid"
    token = csrf_token(browser, page)

    response = browser.post(
        f"/tenders/{tender.id}/bids/{bid.id}/withdraw",
        data={"csrf_token": token},
        headers=ENGLISH,
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    after = text_of(browser.get(page, headers=ENGLISH))
    assert f"Your bid #{bid.id} for lot 1 is withdrawn." in after
    assert f'data-bid-id="{bid.id}" data-state="withdrawn"' in after
    assert 'data-testid="withdraw"' not in after
    assert bid_state(bid.id) == BidState.WITHDRAWN


def test_withdrawing_after_the_deadline_is_refused_with_the_rules_message(tender, bidder, clock):
    _user, bid, browser = bidder
    token = csrf_token(browser, f"/tenders/{tender.id}/bid")  # the form, loaded in time
    clock.set(tender.bid_deadline)

    response = browser.post(
        f"/tenders/{tender.id}/bids/{bid.id}/withdraw",
        data={"csrf_token": token},
        headers=ENGLISH,
    )

    page = text_of(response)
    assert response.status_code == 422
    assert "the bid deadline has passed: late bids are refused (E-Rules Art 27)" in page
    assert bid_state(bid.id) == BidState.SEALED
    # the page re-rendered after the deadline offers neither the upload nor the withdrawal
    assert 'data-testid="submissions-closed"' in page
    assert 'data-testid="bid-upload-form"' not in page
    assert 'data-testid="withdraw"' not in page


def test_a_withdrawal_without_a_csrf_token_is_refused(tender, bidder):
    _user, bid, browser = bidder

    response = browser.post(f"/tenders/{tender.id}/bids/{bid.id}/withdraw", data={})

    assert response.status_code == 400
    assert bid_state(bid.id) == BidState.SEALED


def test_another_bidders_bid_cannot_be_withdrawn_through_the_page(tender, bidder, world, login):
    _user, bid, _browser = bidder
    rival = login(world.bidder())
    token = csrf_token(rival, f"/tenders/{tender.id}/bid")

    response = rival.post(
        f"/tenders/{tender.id}/bids/{bid.id}/withdraw", data={"csrf_token": token}
    )

    assert response.status_code == 404
    assert bid_state(bid.id) == BidState.SEALED


def test_a_bid_is_withdrawn_only_under_its_own_tender(tender, bidder, make_tender, world):
    _user, bid, browser = bidder
    other = make_tender("published")
    token = csrf_token(browser, f"/tenders/{other.id}/bid")

    response = browser.post(
        f"/tenders/{other.id}/bids/{bid.id}/withdraw", data={"csrf_token": token}
    )

    assert response.status_code == 404
    assert bid_state(bid.id) == BidState.SEALED


# --- the receipt --------------------------------------------------------------------------------


def test_the_receipt_downloads_as_a_file_that_verifies(tender, bidder):
    _user, bid, browser = bidder

    response = browser.get(f"/tenders/{tender.id}/bids/{bid.id}/receipt.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"receipt-{tender.reference}-lot-1-1.json" in disposition
    body = bids.verify_receipt(json.loads(response.data))
    assert body["bid_id"] == bid.id
    assert body["manifest_sha256"] == bid.manifest_sha256


def test_another_bidders_receipt_is_not_found(tender, bidder, world, login):
    _user, bid, _browser = bidder

    response = login(world.bidder()).get(f"/tenders/{tender.id}/bids/{bid.id}/receipt.json")

    assert response.status_code == 404


def test_a_receipt_under_another_tender_is_not_found(tender, bidder, make_tender):
    _user, bid, browser = bidder
    other = make_tender("published")

    assert browser.get(f"/tenders/{other.id}/bids/{bid.id}/receipt.json").status_code == 404


# --- the managers' console ----------------------------------------------------------------------


def shown_after(label: str, page: str) -> str | None:
    """The text after ``label:`` on its line of the page, without tags."""
    match = re.search(re.escape(label) + r": (.*)", page)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


def holders_line(page: str) -> str | None:
    return shown_after("Holders of the documents", page)


def sealed_bids_line(page: str) -> str | None:
    return shown_after("Sealed bids received", page)


def test_before_the_deadline_the_console_counts_neither_holders_nor_bids(
    tender, world, enroll, login
):
    """Law Art 22: how many firms hold the documents or have bid is not disclosed before the
    opening, to the tender's own managers either."""
    for user in [world.bidder() for _ in range(2)]:
        submit_bid(user, enroll(user), tender.id)

    page = text_of(login(world.agency).get(f"/agency/tenders/{tender.id}", headers=ENGLISH))

    assert holders_line(page) == sealed_bids_line(page) == "disclosed at the opening"
    assert not re.search(r"Sealed bids received: <strong>\d", page)


def test_from_the_deadline_the_console_counts_sealed_bids_and_names_no_bidder(
    tender, world, enroll, login, clock
):
    bidders = [world.bidder() for _ in range(3)]
    placed = [submit_bid(user, enroll(user), tender.id) for user in bidders]
    bid_services.withdraw_bid(bidders[2], placed[2].id)
    clock.set(tender.bid_deadline)

    page = text_of(login(world.agency).get(f"/agency/tenders/{tender.id}", headers=ENGLISH))

    assert sealed_bids_line(page) == "2"
    assert holders_line(page) == "3"
    for user, bid in zip(bidders, placed, strict=True):
        assert user.organisation.name not in page
        assert user.username not in page
        assert bid.manifest_sha256[:16] not in page


def test_the_public_page_counts_the_holders_only_from_the_deadline(
    tender, world, enroll, client, clock
):
    for user in [world.bidder() for _ in range(2)]:
        submit_bid(user, enroll(user), tender.id)

    before = text_of(client.get(f"/tenders/{tender.id}", headers=ENGLISH))
    clock.set(tender.bid_deadline)
    after = text_of(client.get(f"/tenders/{tender.id}", headers=ENGLISH))

    assert holders_line(before) == "disclosed at the opening"
    assert holders_line(after) == "2"


# a browser that states no language gets the platform's default, Chinese
NO_LANGUAGE = {"Accept-Language": ""}


def test_the_tenderer_sees_the_count_in_chinese(tender, world, enroll, login, clock):
    user = world.bidder()
    submit_bid(user, enroll(user), tender.id)
    clock.set(tender.bid_deadline)

    page = text_of(login(world.tenderer).get(f"/agency/tenders/{tender.id}", headers=NO_LANGUAGE))

    assert re.search(r"已收到的密封投标: <strong>1</strong>", page)


def test_a_draft_on_the_console_shows_no_bid_count(make_tender, world, login):
    draft = make_tender("draft")

    page = text_of(login(world.agency).get(f"/agency/tenders/{draft.id}"))

    assert 'data-testid="sealed-bids"' not in page


def test_the_bid_page_is_in_chinese_by_default(tender, bidder):
    _user, _bid, browser = bidder

    page = text_of(browser.get(f"/tenders/{tender.id}/bid", headers=NO_LANGUAGE))

    assert "用 bidhall 工具封装" in page
    assert "上传并递交" in page
    assert "已密封" in page


def test_the_bid_page_shows_the_bidders_own_bid_security(tender, bidder):
    pytest.importorskip("trading.guarantees.views", reason="the e-guarantee module provides it")
    _user, _bid, browser = bidder

    page = text_of(browser.get(f"/tenders/{tender.id}/bid", headers=ENGLISH))

    security = page.split('data-testid="guarantee"', 1)[1]
    assert 'data-testid="bid-security"' in security
    assert 'data-testid="unsecured"' in security  # no guarantee or deposit yet
