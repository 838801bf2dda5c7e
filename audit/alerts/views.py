"""The supervisors' alert pages: the log (filters, the counts by severity, a CSV link with the same
filters) and one alert with its evidence and the forms that handle it. Supervisors only: an alert
names seats, bids and bidders.

Every action is POST → one service call → flash → redirect (PRG). A refused action re-renders the
alert's page with the message flashed in the page's language and the refusal's HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audit.alerts import queries, rules, services
from audit.alerts.forms import (
    DETECTOR_NAMES,
    FILTERS,
    RESOLUTION_NAMES,
    SEVERITY_NAMES,
    STATE_NAMES,
    AcknowledgeForm,
    AssignForm,
    FilterForm,
    ResolveForm,
    alert_filter,
    detector_name,
    zone,
)
from audit.alerts.models import Alert
from audit.alerts.queries import AlertFilter
from audit.alerts.rules import NOTE_MAX
from audit.detectors.base import Severity
from bidhall import inputs
from bidhall.accounts.models import Role
from bidhall.errors import DomainError, NotFound
from bidhall.web import actor, flash_refusal, query_integer, refusal_status, require
from trading.credit import queries as credit_queries
from trading.credit.forms import KIND_NAMES, AlertCreditForm
from trading.tenders.forms import option

blueprint = Blueprint("alerts", __name__)

PER_PAGE = 50

# --- URL rules ----------------------------------------------------------------------------------
# supervisor:   GET  /supervision/alerts                        alert_log
#               GET  /supervision/alerts/<id>                   alert_page
#               POST /supervision/alerts/<id>/acknowledge       acknowledge_alert
#               POST /supervision/alerts/<id>/assign            assign_alert
#               POST /supervision/alerts/<id>/resolve           resolve_alert


@blueprint.app_context_processor
def _alert_helpers() -> dict[str, Any]:
    return {
        "detector_name": detector_name,
        # every detector's name by id, for pages outside audit (evaluation/session.html's labels)
        "detector_names": lambda: {code: str(name) for code, name in DETECTOR_NAMES.items()},
        "severity_name": lambda code: _name(SEVERITY_NAMES, code),
        "alert_state_name": lambda code: _name(STATE_NAMES, code),
        "resolution_name": lambda code: _name(RESOLUTION_NAMES, code),
    }


def _name(names: dict, code: str | None) -> str:
    name = names.get(code)
    return str(name) if name is not None else (code or "—")


# --- the log ------------------------------------------------------------------------------------


@blueprint.get("/supervision/alerts")
@require(Role.SUPERVISOR)
def alert_log() -> Any:
    form = FilterForm(request.args)
    try:
        where = alert_filter(request.args, zone(), also=("page",))
        page = query_integer("page", 1, minimum=1, maximum=100_000)
    except DomainError as error:
        flash_refusal(error)
        return _render_log(form, None, 1), refusal_status(error)
    return _render_log(form, where, page)


def _render_log(form: FilterForm, where: AlertFilter | None, page: int) -> str:
    """The log's page; ``where`` None: the filters were refused, nothing is listed."""
    rows: list[Alert] = []
    total = 0
    counts = {str(severity): 0 for severity in Severity}
    if where is not None:
        rows = queries.alerts(where, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        total = queries.count(where)
        counts.update(queries.counts_by_severity(where))
    # the filters as given (empty ones left out): the CSV link and the pages keep them
    filters = {name: request.args[name] for name in FILTERS if request.args.get(name, "").strip()}
    return render_template(
        "audit/alerts.html",
        form=form,
        rows=rows,
        total=total,
        counts=counts,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        names=queries.names(a.assignee_id for a in rows),
        zone=zone(),
    )


# --- one alert ----------------------------------------------------------------------------------


@blueprint.get("/supervision/alerts/<int:alert_id>")
@require(Role.SUPERVISOR)
def alert_page(alert_id: int) -> Any:
    return _render_alert(alert_id)


@blueprint.post("/supervision/alerts/<int:alert_id>/acknowledge")
@require(Role.SUPERVISOR)
def acknowledge_alert(alert_id: int) -> Any:
    try:
        services.acknowledge(actor(), alert_id)
    except DomainError as error:
        return _render_alert(alert_id, error)
    flash(_("The alert is acknowledged: it is yours to handle unless it is assigned."), "success")
    return _to_alert(alert_id)


@blueprint.post("/supervision/alerts/<int:alert_id>/assign")
@require(Role.SUPERVISOR)
def assign_alert(alert_id: int) -> Any:
    form = AssignForm()
    _existing(alert_id)
    try:
        assignee_id = inputs.identifier(form.assignee_id.data, "assignee_id")
        alert = services.assign(actor(), alert_id, assignee_id)
    except DomainError as error:
        return _render_alert(alert_id, error)
    name = queries.names([alert.assignee_id]).get(alert.assignee_id, "")
    flash(_("The alert is assigned to %(name)s.", name=name), "success")
    return _to_alert(alert_id)


@blueprint.post("/supervision/alerts/<int:alert_id>/resolve")
@require(Role.SUPERVISOR)
def resolve_alert(alert_id: int) -> Any:
    form = ResolveForm()
    _existing(alert_id)
    try:
        note = inputs.text(form.note.data, "note", required=False, max_length=NOTE_MAX)
        resolution = form.resolution.data or ""
        services.resolve(actor(), alert_id, resolution, note)
    except DomainError as error:
        return _render_alert(alert_id, error, form)
    flash(_("The alert is resolved with your note."), "success")
    return _to_alert(alert_id)


@blueprint.post("/supervision/alerts/<int:alert_id>/credit")
@require(Role.SUPERVISOR)
def record_credit(alert_id: int) -> Any:
    """A credit consequence of the alert: a separate decision, with its own reason."""
    _existing(alert_id)
    form = AlertCreditForm(prefix="credit")
    try:
        services.record_credit_decision(
            actor(),
            alert_id,
            subject_kind=form.subject_kind.data,
            subject_id=form.subject_id.data,
            kind=form.kind.data,
            points=form.points.data,
            reason=form.reason.data,
            valid_until=form.valid_until.raw_data[0] if form.valid_until.raw_data else "",
        )
    except DomainError as error:
        form.show_at_field(error, error.message)
        return _render_alert(alert_id, error, credit_form=form)
    flash(_("The credit decision is recorded on this alert."), "success")
    return _to_alert(alert_id)


def _to_alert(alert_id: int) -> Any:
    return redirect(url_for("alerts.alert_page", alert_id=alert_id))


def _existing(alert_id: int) -> Alert:
    """The alert, or the not-found page: an unknown alert is refused before its form is read."""
    alert = queries.alert(alert_id)
    if alert is None:
        raise NotFound("no such alert", code="alert_not_found")
    return alert


def _render_alert(
    alert_id: int,
    error: DomainError | None = None,
    resolve_form: ResolveForm | None = None,
    credit_form: AlertCreditForm | None = None,
) -> Any:
    alert = _existing(alert_id)
    flash_refusal(error)
    assign_form = AssignForm()
    supervisors = queries.supervisors()
    assign_form.assignee_id.choices = [option(str(u.id), u.display_name) for u in supervisors]
    if error is None or assign_form.assignee_id.data is None:
        assign_form.assignee_id.data = str(alert.assignee_id or actor().id)
    if resolve_form is None:
        resolve_form = ResolveForm(formdata=None)
    return render_template(
        "audit/alert.html",
        alert=alert,
        evidence=_evidence(alert),
        may=_allowed(alert.state),
        names=queries.names([alert.assignee_id, alert.acknowledged_by_id, alert.resolved_by_id]),
        acknowledge_form=AcknowledgeForm(formdata=None),
        assign_form=assign_form,
        resolve_form=resolve_form,
        credit_form=credit_form or AlertCreditForm(prefix="credit", formdata=None),
        credit_decisions=credit_queries.based_on("alert", alert.id),
        credit_kinds=KIND_NAMES,
        zone=zone(),
    ), refusal_status(error)


def _allowed(state: str) -> dict[str, bool]:
    """Which forms the alert's state allows (the services check again)."""
    allowed = {}
    for action, check in (
        ("acknowledge", lambda: rules.check_acknowledge(state)),
        ("assign", lambda: rules.check_assignable(state)),
        ("resolve", lambda: rules.check_assignable(state)),  # resolved: nothing more
    ):
        try:
            check()
        except DomainError:
            allowed[action] = False
        else:
            allowed[action] = True
    return allowed


def _evidence(alert: Alert) -> dict[str, Any]:
    """The evidence as the page shows it: the ledger seqs, and the figures and the threshold as
    (name, value) rows, a value that is not a plain number or text written as compact JSON."""
    evidence = alert.evidence or {}
    return {
        "seqs": list(evidence.get("seqs") or []),
        "figures": _rows(evidence.get("figures") or {}),
        "threshold": _rows(evidence.get("threshold") or {}),
    }


def _rows(values: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(name), _value(value)) for name, value in values.items()]


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
