"""The credit JSON API:

- ``POST /api/credit/decisions``                    supervisors: record a decision
  ``{"subject_kind": "organisation" | "expert", "subject_id", "kind": "deduction" |
  "black_list" | "red_list", "points" (a deduction's), "reason", "basis_kind": "complaint" |
  "other", "basis_id" (the complaint's), "basis_ref", "valid_from", "valid_until"}``; a decision
  on an alert is recorded from the alert (``POST /api/alerts/<id>/credit-decisions``, audit)
- ``POST /api/credit/decisions/<id>/revoke``        supervisors: ``{"reason"}``
- ``GET  /api/credit/lists``                        anyone: the red and black lists in force
- ``GET  /api/credit/subjects/organisations/<id>``  the supervisors and the organisation itself:
                                                    its score and decisions
- ``GET  /api/credit/subjects/experts/<id>``        the supervisors and the expert itself
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from bidhall.accounts.models import Role
from bidhall.web import actor, json_body, require
from trading.credit import queries, services

blueprint = Blueprint("credit_api", __name__, url_prefix="/api/credit")

FIELDS = (
    "subject_kind",
    "subject_id",
    "kind",
    "points",
    "reason",
    "basis_ref",
    "valid_from",
    "valid_until",
)


def decision_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The decision's fields of a JSON body (the service validates them)."""
    return {name: body.get(name) for name in FIELDS}


@blueprint.post("/decisions")
@require(Role.SUPERVISOR)
def record_decision() -> Any:
    body = json_body()
    row = services.record_decision(
        actor(),
        **decision_fields(body),
        basis_kind=body.get("basis_kind"),
        basis_id=body.get("basis_id"),
    )
    return jsonify(queries.as_json(row, supervisor=True)), 201


@blueprint.post("/decisions/<int:decision_id>/revoke")
@require(Role.SUPERVISOR)
def revoke_decision(decision_id: int) -> Any:
    row = services.revoke_decision(actor(), decision_id, json_body().get("reason"))
    return jsonify(queries.as_json(row, supervisor=True))


@blueprint.get("/lists")
def lists() -> Any:
    return jsonify(
        {
            kind: [queries.public_json(r) for r in rows]
            for kind, rows in queries.lists_in_force().items()
        }
    )


@blueprint.get("/subjects/organisations/<int:organisation_id>")
@require()
def organisation_record(organisation_id: int) -> Any:
    return _record("organisation", organisation_id)


@blueprint.get("/subjects/experts/<int:expert_id>")
@require()
def expert_record(expert_id: int) -> Any:
    return _record("expert", expert_id)


def _record(kind: str, subject_id: int) -> Any:
    user = actor()
    return jsonify(queries.record_json(queries.record(user, kind, subject_id), user))
