"""The supervisors' alert log over HTTP (JSON, and CSV for spreadsheets). Supervisors only: an
alert names seats, bids and bidders.

- ``GET  /api/alerts``                    the alerts, newest first: filters (``severity``,
                                          ``state``, ``detector``, ``tender_id``, ``session_id``,
                                          ``venue_id``, ``from``, ``to``), ``limit`` (1-200, 50)
                                          and ``offset`` or ``page``; with the total and the
                                          counts by severity of everything the filters match
- ``GET  /api/alerts.csv``                every alert the same filters match: the JSON list's
                                          rows (columns ``queries.COLUMNS``), no pagination
- ``GET  /api/alerts/<id>``               one alert with its evidence
- ``POST /api/alerts/<id>/acknowledge``   open -> acknowledged (no body)
- ``POST /api/alerts/<id>/assign``        ``{"assignee_id": <an active supervisor>}``
- ``POST /api/alerts/<id>/credit-decisions``  a credit decision resting on the alert: the
                                          fields of ``POST /api/credit/decisions`` but the basis
- ``POST /api/alerts/<id>/resolve``       ``{"resolution": "confirmed" | "false_positive",
                                          "note": "..."}`` (the note is required)

A bad filter or page value is a 400 naming it; refusals are the one error payload.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from audit.alerts import queries, services
from audit.alerts.forms import alert_filter, zone
from audit.alerts.models import Alert
from audit.alerts.rules import NOTE_MAX
from audit.detectors.base import Severity
from bidhall import inputs
from bidhall.accounts.models import Role
from bidhall.errors import InvalidInput, NotFound
from bidhall.web import actor, json_body, query_integer, require
from trading.credit import api as credit_api
from trading.credit import queries as credit_queries

blueprint = Blueprint("alerts_api", __name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PAGINATION = ("limit", "offset", "page")
# a spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such a
# text cell is written with a leading apostrophe, which spreadsheets show as text
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@blueprint.get("/api/alerts")
@require(Role.SUPERVISOR)
def list_alerts() -> Any:
    where = alert_filter(request.args, zone(), also=PAGINATION)
    limit = query_integer("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    offset = _offset(limit)
    counts = {str(severity): 0 for severity in Severity}
    counts.update(queries.counts_by_severity(where))
    return jsonify(
        {
            "alerts": [
                queries.to_json(a) for a in queries.alerts(where, limit=limit, offset=offset)
            ],
            "total": queries.count(where),
            "counts": counts,
            "limit": limit,
            "offset": offset,
        }
    )


def _offset(limit: int) -> int:
    if request.args.get("offset") and request.args.get("page"):
        raise InvalidInput("give offset or page, not both", code="invalid_field", field="page")
    page = query_integer("page", None, minimum=1, maximum=inputs.INT_MAX // MAX_LIMIT)
    if page is not None:
        return (page - 1) * limit
    return query_integer("offset", 0, minimum=0)


@blueprint.get("/api/alerts.csv")
@require(Role.SUPERVISOR)
def export_csv() -> Any:
    where = alert_filter(request.args, zone())
    response = Response(csv_text(queries.alerts(where)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="alerts.csv"'
    return response


def csv_text(alerts: Iterable[Alert]) -> str:
    """UTF-8 CSV text (RFC 4180 quoting), a header line first, one row per alert as the JSON
    list has them (``queries.csv_row``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(queries.COLUMNS)
    for alert in alerts:
        writer.writerow([_cell(value) for value in queries.csv_row(alert)])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@blueprint.get("/api/alerts/<int:alert_id>")
@require(Role.SUPERVISOR)
def get_alert(alert_id: int) -> Any:
    return jsonify(queries.to_json(existing(alert_id)))


def existing(alert_id: int) -> Alert:
    """The alert, or 404: an unknown alert is refused as such before its body is read."""
    alert = queries.alert(alert_id)
    if alert is None:
        raise NotFound("no such alert", code="alert_not_found")
    return alert


@blueprint.post("/api/alerts/<int:alert_id>/acknowledge")
@require(Role.SUPERVISOR)
def acknowledge(alert_id: int) -> Any:
    return jsonify(queries.to_json(services.acknowledge(actor(), alert_id)))


@blueprint.post("/api/alerts/<int:alert_id>/assign")
@require(Role.SUPERVISOR)
def assign(alert_id: int) -> Any:
    existing(alert_id)
    assignee_id = inputs.identifier(json_body().get("assignee_id"), "assignee_id")
    return jsonify(queries.to_json(services.assign(actor(), alert_id, assignee_id)))


@blueprint.post("/api/alerts/<int:alert_id>/credit-decisions")
@require(Role.SUPERVISOR)
def credit_decision(alert_id: int) -> Any:
    """A credit decision resting on the alert (trading/credit; docs/credit.md)."""
    existing(alert_id)
    fields = credit_api.decision_fields(json_body())
    row = services.record_credit_decision(actor(), alert_id, **fields)
    return jsonify(credit_queries.as_json(row, supervisor=True)), 201


@blueprint.post("/api/alerts/<int:alert_id>/resolve")
@require(Role.SUPERVISOR)
def resolve(alert_id: int) -> Any:
    existing(alert_id)
    body = json_body()
    # both may be empty here: the rules refuse them by name (invalid_resolution, note_required)
    resolution = inputs.text(body.get("resolution"), "resolution", required=False, max_length=40)
    note = inputs.text(body.get("note"), "note", required=False, max_length=NOTE_MAX)
    return jsonify(queries.to_json(services.resolve(actor(), alert_id, resolution, note)))
