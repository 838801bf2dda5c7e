"""The complaints' JSON API: a bidder files and reads its own, the supervisors read and handle
all, the public reads the tender's decided complaints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from bidhall.accounts.models import Role
from bidhall.web import actor, json_body, require
from trading.complaints import queries, services
from trading.tenders.queries import get_visible_tender

blueprint = Blueprint("complaints_api", __name__, url_prefix="/api")


@blueprint.post("/tenders/<int:tender_id>/complaints")
@require(Role.BIDDER)
def file_complaint(tender_id: int) -> Any:
    body = json_body()
    complaint = services.file_complaint(
        actor(), tender_id, body.get("subject"), body.get("body"), body.get("known_on")
    )
    return jsonify(queries.as_json(complaint)), 201


@blueprint.get("/tenders/<int:tender_id>/complaints")
def published(tender_id: int) -> Any:
    """The tender's decided complaints: what was decided, not who complained."""
    get_visible_tender(actor(), tender_id)
    return jsonify([queries.as_json(c, public=True) for c in queries.published(tender_id)])


@blueprint.get("/complaints")
@require(Role.SUPERVISOR, Role.BIDDER)
def list_complaints() -> Any:
    tender = request.args.get("tender_id")
    tender_id = int(tender) if tender and tender.isdigit() else None
    return jsonify([queries.as_json(c) for c in queries.visible(actor(), tender_id)])


@blueprint.post("/complaints/<int:complaint_id>/accept")
@require(Role.SUPERVISOR)
def accept(complaint_id: int) -> Any:
    suspend = json_body().get("suspend", False)
    complaint = services.accept(actor(), complaint_id, suspend is True)
    return jsonify(queries.as_json(complaint))


@blueprint.post("/complaints/<int:complaint_id>/refuse")
@require(Role.SUPERVISOR)
def refuse(complaint_id: int) -> Any:
    complaint = services.refuse(actor(), complaint_id, json_body().get("reason"))
    return jsonify(queries.as_json(complaint))


@blueprint.post("/complaints/<int:complaint_id>/decide")
@require(Role.SUPERVISOR)
def decide(complaint_id: int) -> Any:
    body = json_body()
    complaint = services.decide(actor(), complaint_id, body.get("outcome"), body.get("decision"))
    return jsonify(queries.as_json(complaint))
