"""The figures behind the supervisors' charts, as JSON (supervisors only):

- ``GET /api/supervision/trends?from=&to=``   ``{"from", "to", "zone", "total", "counts",
                                              "days": [{"day", "yellow", "red"}],
                                              "detectors": [{"detector", "name", "yellow", "red",
                                              "total"}], "resolution": {"unit": "minutes",
                                              "by_severity": [{"severity", "resolved",
                                              "unresolved", "median_minutes", "p90_minutes",
                                              "min_minutes", "max_minutes"}], "bands": [{"band",
                                              "up_to_minutes", "yellow", "red"}]}}``

``from`` and ``to`` are days (both included) or times as in the alert log, by default the last 30
days; the log's other filters (``severity``, ``state``, ``detector``, ``tender_id``,
``session_id``, ``venue_id``) narrow the alerts counted. A bad value is a 400 naming it; a period
longer than two years is refused (``period_too_long``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from audit.alerts.forms import alert_filter, detector_name, zone
from audit.trends import queries
from bidhall import clock
from bidhall.accounts.models import Role
from bidhall.web import require

blueprint = Blueprint("trends_api", __name__)


@blueprint.get("/api/supervision/trends")
@require(Role.SUPERVISOR)
def trends_data() -> Any:
    where, first, last = queries.period(alert_filter(request.args, zone()), zone(), clock.now())
    data = queries.trends(where, zone(), first, last)
    for row in data["detectors"]:
        row["name"] = detector_name(row["detector"])  # in the request's language
    return jsonify(data)
