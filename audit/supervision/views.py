"""The supervisors' live console (``GET /supervision``): every ongoing opening and evaluation
across the venues with their key nodes, the workstations' presence, and the alerts as they fire
(a badge, a short sound, counts by severity), with the interventions: pause a session, ask its
committee, escalate, acknowledge and resolve an alert. Supervisors only.

The page is rendered with the console's state; static/js/console.js joins ``/supervision`` and
follows it live (or polls ``GET /api/supervision`` when Socket.IO cannot connect), and sends the
interventions to the JSON APIs (``/api/supervision/...``, ``/api/alerts/...``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from audit.alerts.forms import (
    RESOLUTION_NAMES,
    SEVERITY_NAMES,
    STATE_NAMES,
    detector_ids,
    detector_name,
    zone,
)
from audit.supervision import services
from audit.supervision.forms import DETECTOR_NAMES
from bidhall.accounts.models import Role
from bidhall.web import actor, require

blueprint = Blueprint("supervision", __name__)

# --- URL rules ----------------------------------------------------------------------------------
# supervisor:   GET  /supervision                               console


@blueprint.get("/supervision")
@require(Role.SUPERVISOR)
def console() -> Any:
    state = services.console(actor())
    return render_template(
        "audit/console.html",
        state=state,
        names={
            "severity": _names(SEVERITY_NAMES),
            "alertState": _names(STATE_NAMES),
            "resolution": _names(RESOLUTION_NAMES),
            "detector": _detectors(),
        },
        zone=zone(),
    )


def _names(table: dict) -> dict[str, str]:
    return {str(code): str(name) for code, name in table.items()}


def _detectors() -> dict[str, str]:
    """Every registered detector's name in the page's language."""
    names = {}
    for code in detector_ids():
        name = detector_name(code)
        if name == code and code in DETECTOR_NAMES:
            name = str(DETECTOR_NAMES[code])
        names[code] = name
    return names
