"""The statistics as JSON and CSV (docs/statistics.md):

- ``GET /api/statistics?period=month|year&from=&to=``   the public tables: anyone
- ``GET /api/statistics/centre?period=&from=&to=``     every table, the centre's too
                                                        (refunds, alerts): supervisors and
                                                        administrators; anyone else 403
- ``GET /api/statistics/<table>.csv?period=&from=&to=`` one table as CSV, its rows equal to
                                                        the JSON's row for row (a header of
                                                        the columns first; no value: empty);
                                                        a centre's table: as above

``period`` is ``month`` (default) or ``year``; ``from`` and ``to`` name periods (``2026-03``,
``2026``), both included, by default the last 12 months (5 years) up to the current one. The
periods are the centre's time zone's. A bad value is a 400 ``bad_period`` naming it, a span of
more than 20 years a 400 ``period_too_long``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bidhall.accounts.models import Role
from bidhall.errors import Forbidden
from bidhall.web import actor
from trading.statistics import queries
from trading.statistics.forms import request_window

blueprint = Blueprint("statistics_api", __name__)

CENTRE_ROLES = (Role.SUPERVISOR, Role.ADMIN)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_centre() -> bool:
    user = actor()
    return user is not None and user.role in CENTRE_ROLES


@blueprint.get("/api/statistics")
def public_statistics() -> Any:
    return jsonify(queries.statistics(request_window(request.args), centre=False))


@blueprint.get("/api/statistics/centre")
def centre_statistics() -> Any:
    if not is_centre():
        raise Forbidden(
            "the centre's statistics are for supervisors and administrators",
            code="statistics_centre_only",
        )
    return jsonify(queries.statistics(request_window(request.args), centre=True))


@blueprint.get("/api/statistics/<table>.csv")
def statistics_csv(table: str) -> Any:
    chosen = queries.table(table, centre=is_centre())
    window = request_window(request.args)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(chosen.columns)
    for row in chosen.rows(window):
        writer.writerow([_cell(row[column]) for column in chosen.columns])
    filename = f"statistics-{table}-{window.label_from}-{window.label_to}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    # a negative amount (savings below the ceiling's) stays a number, not a formula
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
