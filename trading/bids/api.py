"""The sealed-bid JSON API: the sealing descriptor, resumable uploads (create, append at an
offset, ask the offset, complete), receipts, withdrawal, and the opening-time guards.

Upload protocol (documented in docs/seal-format.md, "Submitting"): ``POST
/api/tenders/<id>/uploads`` with ``{"lot", "size"}`` answers an upload id; each piece
is ``PATCH /api/uploads/<id>`` with the header ``Upload-Offset: <bytes already received>`` and
the raw bytes as the body; ``GET /api/uploads/<id>`` tells the offset to resume from after a
dropped connection; ``POST /api/uploads/<id>/complete`` checks the envelope and answers the bid
with its signed receipt.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from bidhall import inputs
from bidhall.accounts.models import Role
from bidhall.errors import InvalidInput
from bidhall.web import actor, json_body, require
from trading.bids import queries as bid_queries
from trading.bids import sealing
from trading.bids import services as bids
from trading.tenders import serialize
from trading.tenders.schemas import integer

blueprint = Blueprint("bids_api", __name__, url_prefix="/api")


@blueprint.get("/tenders/<int:tender_id>/sealing")
def sealing_descriptor(tender_id: int) -> Any:
    return jsonify(sealing.sealing_descriptor(tender_id))


@blueprint.post("/tenders/<int:tender_id>/uploads")
@require(Role.BIDDER)
def start_upload(tender_id: int) -> Any:
    data = json_body()
    upload = bids.start_upload(
        actor(),
        tender_id,
        integer(data, "lot", default=1),
        integer(data, "size", maximum=inputs.BIGINT_MAX),
        _client(),
    )
    return jsonify(_upload(upload)), 201


@blueprint.get("/uploads/<upload_id>")
@require(Role.BIDDER)
def upload_status(upload_id: str) -> Any:
    return jsonify(_upload(bids.upload_status(actor(), upload_id)))


@blueprint.patch("/uploads/<upload_id>")
@require(Role.BIDDER)
def append_upload(upload_id: str) -> Any:
    raw = request.headers.get("Upload-Offset")
    if raw is None:
        raise InvalidInput(
            "send the Upload-Offset header: the bytes already received", code="missing_offset"
        )
    offset = inputs.integer(raw, "Upload-Offset", maximum=inputs.BIGINT_MAX, what="a byte count")
    upload = bids.append_upload(actor(), upload_id, offset, request.stream)
    return jsonify(_upload(upload))


@blueprint.post("/uploads/<upload_id>/complete")
@require(Role.BIDDER)
def complete_upload(upload_id: str) -> Any:
    bid = bids.complete_upload(actor(), upload_id, _client())
    return jsonify(_bid(bid) | {"receipt": _receipt(bid)}), 201


@blueprint.get("/tenders/<int:tender_id>/bids/mine")
@require(Role.BIDDER)
def my_bids(tender_id: int) -> Any:
    return jsonify([_bid(bid) for bid in bid_queries.my_bids(actor(), tender_id)])


@blueprint.get("/bids/<int:bid_id>/receipt")
@require(Role.BIDDER)
def receipt(bid_id: int) -> Any:
    return jsonify(_receipt(bid_queries.get_own_bid(actor(), bid_id)))


@blueprint.post("/bids/<int:bid_id>/withdraw")
@require(Role.BIDDER)
def withdraw(bid_id: int) -> Any:
    return jsonify(_bid(bids.withdraw_bid(actor(), bid_id)))


@blueprint.get("/bids/<int:bid_id>/summary")
@require(Role.BIDDER, Role.AGENCY, Role.TENDERER, Role.SUPERVISOR)
def summary(bid_id: int) -> Any:
    return jsonify(bid_queries.read_bid_summary(actor(), bid_id))


@blueprint.get("/tenders/<int:tender_id>/submissions")
@require(Role.AGENCY, Role.TENDERER, Role.SUPERVISOR)
def submissions(tender_id: int) -> Any:
    return jsonify(serialize.submissions(bid_queries.submission_count(actor(), tender_id)))


def _client() -> bids.Client:
    """The request's origin, for the origin screens: the client's address as ProxyFix leaves it
    (the trusted proxies' forwarded address) and its User-Agent."""
    return bids.Client(request.remote_addr, request.headers.get("User-Agent"))


def _upload(upload: Any) -> dict:
    return {
        "upload_id": upload.id,
        "tender_id": upload.tender_id,
        "lot": upload.lot_number,
        "size": upload.size,
        "offset": upload.received,
        "complete": upload.completed_at is not None,
        "bid_id": upload.bid_id,
    }


def _bid(bid: Any) -> dict:
    return {
        "bid_id": bid.id,
        "tender_id": bid.tender_id,
        "lot": bid.lot_number,
        "state": bid.state.value,
        "manifest_sha256": bid.manifest_sha256,
        "size": bid.size,
        "received_at": bid.received_at.isoformat(),
        "supersedes_bid_id": bid.supersedes_id,
        "withdrawn_at": bid.withdrawn_at.isoformat() if bid.withdrawn_at else None,
    }


def _receipt(bid: Any) -> dict:
    import json

    return json.loads(bid.receipt)
