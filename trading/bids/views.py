"""The bidder's tender page: the sealing kit, the sealed-bid upload (static/js/upload.js does the
pieces over the JSON API), its bids with their receipts, and withdrawal.

Every action is POST → one service call → flash → redirect (PRG); a refused action re-renders the
page with the message flashed and the error's HTTP status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from bidhall import clock
from bidhall.accounts.models import Role
from bidhall.errors import DomainError, NotFound
from bidhall.web import actor, flash_refusal, refusal_status, require, user_message
from trading.bids import queries as bids
from trading.bids import receipts, rules
from trading.bids import services as bid_services
from trading.bids.models import Bid
from trading.tenders import queries as tenders
from trading.tenders.models import Tender

blueprint = Blueprint("bids", __name__)

UPLOAD_PIECE_BYTES = 4 * 1024 * 1024  # one PATCH of the sealed-bid upload (static/js/upload.js)

# GET  /tenders/<id>/bid                              bid_page
# POST /tenders/<id>/bids/<bid_id>/withdraw           withdraw_bid
# GET  /tenders/<id>/bids/<bid_id>/receipt.json       download_receipt


@blueprint.get("/tenders/<int:tender_id>/bid")
@require(Role.BIDDER)
def bid_page(tender_id: int) -> Any:
    return _render_bid_page(tender_id)


@blueprint.post("/tenders/<int:tender_id>/bids/<int:bid_id>/withdraw")
@require(Role.BIDDER)
def withdraw_bid(tender_id: int, bid_id: int) -> Any:
    try:
        _own_bid(tender_id, bid_id)
        bid = bid_services.withdraw_bid(actor(), bid_id)
    except DomainError as error:
        return _render_bid_page(tender_id, error)
    flash(
        _(
            "Your bid #%(bid)s for lot %(lot)s is withdrawn. You may still upload a new one "
            "before the deadline.",
            bid=bid.id,
            lot=bid.lot_number,
        ),
        "success",
    )
    return redirect(url_for("bids.bid_page", tender_id=tender_id))


@blueprint.get("/tenders/<int:tender_id>/bids/<int:bid_id>/receipt.json")
@require(Role.BIDDER)
def download_receipt(tender_id: int, bid_id: int) -> Any:
    bid = _own_bid(tender_id, bid_id)
    number = bids.submission_number(bid)
    filename = f"receipt-{bid.tender.reference}-lot-{bid.lot_number}-{number}.json"
    return Response(
        bid.receipt,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _own_bid(tender_id: int, bid_id: int) -> Bid:
    bid = bids.get_own_bid(actor(), bid_id)
    if bid.tender_id != tender_id:
        raise NotFound(_("No such bid of yours in this tender."), code="bid_not_found")
    return bid


def _render_bid_page(tender_id: int, error: DomainError | None = None) -> Any:
    user = actor()
    tender = tenders.get_visible_tender(user, tender_id)
    flash_refusal(error)
    my_bids = bids.my_bids(user, tender.id)
    return render_template(
        "trading/bid.html",
        tender=tender,
        organisation=user.organisation,
        holder=tenders.held_by(user, tender.id),
        my_bids=my_bids,
        submission=receipts.submission_numbers(my_bids),
        closed_reason=_submission_refusal(tender),
        piece_bytes=UPLOAD_PIECE_BYTES,
        summary_schema=rules.summary_schema([lot.number for lot in tender.lots]),
        commitment=rules.commitment_text(tender.reference),
    ), refusal_status(error)


def _submission_refusal(tender: Tender) -> str | None:
    """Why the tender takes no bids now (the rule's own words), or None while it does."""
    try:
        rules.check_submission_open(tender.state.value, tender.bid_deadline, clock.now())
    except DomainError as error:
        return user_message(error)
    return None
