"""The supervisors' charts of the alerts:

- ``GET /supervision/trends?from=&to=``   alerts per day (stacked by severity), by detector, and
                                          the resolution times (median and bands, by severity)

The page renders the table behind each chart from the same figures as the JSON API
(audit/trends/api.py), so it reads without JavaScript and to a screen reader;
static/js/trends.js then draws the charts with ECharts (static/vendor/echarts.min.js, vendored
from the npm registry by run.sh) from the API. A refused period re-renders the page with the
message and the refusal's status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from audit.alerts.forms import SEVERITY_NAMES, alert_filter, detector_name, zone
from audit.trends import queries
from bidhall import clock
from bidhall.accounts.models import Role
from bidhall.errors import DomainError
from bidhall.web import flash_refusal, refusal_status, require

blueprint = Blueprint("trends", __name__)

# --- URL rules ----------------------------------------------------------------------------------
# supervisor:   GET  /supervision/trends                                     trends_page


@blueprint.get("/supervision/trends")
@require(Role.SUPERVISOR)
def trends_page() -> Any:
    given = {name: request.args[name] for name in request.args if request.args[name].strip()}
    try:
        where, first, last = queries.period(alert_filter(request.args, zone()), zone(), clock.now())
    except DomainError as error:
        flash_refusal(error)
        return _render(given, None), refusal_status(error)
    data = queries.trends(where, zone(), first, last)
    for row in data["detectors"]:
        row["name"] = detector_name(row["detector"])
    return _render(given, data)


def _render(given: dict[str, str], data: dict[str, Any] | None) -> str:
    return render_template(
        "audit/trends.html",
        data=data,
        given=given,
        severities=[(str(code), str(name)) for code, name in SEVERITY_NAMES.items()],
    )
