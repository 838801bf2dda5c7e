"""The award JSON API: the tender's awards as the caller may see them (public once the
candidates are published), and the managers' and bidders' actions. Authorization before
validation: whoever may not act learns nothing of what the body would have needed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from bidhall.accounts.models import Role
from bidhall.web import actor, json_body, require
from trading.award import queries, services

blueprint = Blueprint("award_api", __name__, url_prefix="/api")

MANAGERS = (Role.AGENCY, Role.TENDERER)


@blueprint.get("/tenders/<int:tender_id>/awards")
def list_awards(tender_id: int) -> Any:
    return jsonify(queries.visible_awards(actor(), tender_id))


def _answer(award_id: int, status: int = 200) -> Any:
    return jsonify(queries.view(actor(), queries.get_award(award_id))), status


@blueprint.post("/awards/<int:award_id>/publicity")
@require(*MANAGERS)
def publish(award_id: int) -> Any:
    queries.require_manager(actor(), award_id)
    services.publish_candidates(actor(), award_id, json_body().get("days", 3))
    return _answer(award_id)


@blueprint.post("/awards/<int:award_id>/objections")
@require(Role.BIDDER)
def object_to_result(award_id: int) -> Any:
    objection = services.raise_objection(actor(), award_id, json_body().get("body"))
    return jsonify({"id": objection.id, "answer_due_at": objection.answer_due_at.isoformat()}), 201


@blueprint.post("/awards/<int:award_id>/objections/<int:objection_id>/answer")
@require(*MANAGERS)
def answer(award_id: int, objection_id: int) -> Any:
    queries.require_manager(actor(), award_id)
    services.answer_objection(actor(), award_id, objection_id, json_body().get("answer"))
    return _answer(award_id)


@blueprint.post("/awards/<int:award_id>/decision")
@require(*MANAGERS)
def decide(award_id: int) -> Any:
    queries.require_manager(actor(), award_id)
    body = json_body()
    services.decide(
        actor(),
        award_id,
        body.get("rank", 1),
        body.get("reason"),
        body.get("note"),
        body.get("ballots"),
    )
    return _answer(award_id)


@blueprint.post("/awards/<int:award_id>/lottery")
@require(*MANAGERS)
def commit_lottery(award_id: int) -> Any:
    queries.require_manager(actor(), award_id)
    services.commit_lottery(actor(), award_id)
    return _answer(award_id, 201)


@blueprint.get("/awards/<int:award_id>/lottery.json")
def lottery_document(award_id: int) -> Any:
    """Anyone re-runs the drawn lottery from this (docs/award.md)."""
    return jsonify(queries.lottery_document(award_id))


@blueprint.post("/awards/<int:award_id>/contract")
@require(*MANAGERS)
def contract(award_id: int) -> Any:
    queries.require_manager(actor(), award_id)
    body = json_body()
    services.record_contract(
        actor(),
        award_id,
        body.get("amount"),
        body.get("performance_security", "0"),
        body.get("signed_on"),
    )
    return _answer(award_id, 201)
