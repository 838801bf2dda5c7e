"""The supervisors' console and interventions over HTTP (JSON). Supervisors only.

- ``GET  /api/supervision``                            the console's state (as ``join`` gives it)
- ``POST /api/supervision/sessions/<id>/pause``        ``{"reason", "alert_id"?, "cmd_id"?}``:
                                                       suspend the live session, naming the
                                                       alert behind it (or none)
- ``POST /api/supervision/sessions/<id>/query``        ``{"text", "cmd_id"?}``: a written
                                                       question to the committee
- ``POST /api/supervision/alerts/<id>/escalate``       ``{"reason"}``: a yellow card made red

A reason (the query's text) is required: ``reason_required`` otherwise. ``cmd_id`` (1 to 64
characters, made by the client) makes a retry answer the first result without acting twice.
Refusals are the one error payload (docs/audit.md, "The console").
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from audit.alerts import queries as alert_queries
from audit.supervision import services
from audit.supervision.rules import REASON_MAX
from bidhall import inputs
from bidhall.accounts.models import Role
from bidhall.web import actor, json_body, require

blueprint = Blueprint("supervision_api", __name__)


@blueprint.get("/api/supervision")
@require(Role.SUPERVISOR)
def console_state() -> Any:
    return jsonify(services.console(actor()))


@blueprint.post("/api/supervision/sessions/<int:session_id>/pause")
@require(Role.SUPERVISOR)
def pause(session_id: int) -> Any:
    body = json_body()
    alert_id = body.get("alert_id")
    result = services.pause(
        actor(),
        session_id,
        _text(body, "reason"),
        alert_id=None if alert_id is None else inputs.identifier(alert_id, "alert_id"),
        cmd_id=_cmd_id(body),
    )
    return jsonify(result)


@blueprint.post("/api/supervision/sessions/<int:session_id>/query")
@require(Role.SUPERVISOR)
def query(session_id: int) -> Any:
    body = json_body()
    return jsonify(services.query(actor(), session_id, _text(body, "text"), _cmd_id(body)))


@blueprint.post("/api/supervision/alerts/<int:alert_id>/escalate")
@require(Role.SUPERVISOR)
def escalate(alert_id: int) -> Any:
    alert = services.escalate(actor(), alert_id, _text(json_body(), "reason"))
    return jsonify(alert_queries.to_json(alert))


def _text(body: dict, field: str) -> str:
    # empty is let through: the rules refuse it by name (reason_required)
    return inputs.text(body.get(field), field, required=False, max_length=REASON_MAX)


def _cmd_id(body: dict) -> str | None:
    return inputs.optional_text(body.get("cmd_id"), "cmd_id", max_length=64)
