"""The statistics' table of the alerts, provided to trading.statistics (which may not import
audit; the shell registers it, bidhall.shell.app ``_wire_domains``).

``alerts`` (the centre's): the alerts raised in the period by severity, how many are resolved,
and how long the resolved ones took from raising to resolution (mean and longest, in hours).
Alerts on a tender count only for the tenders the statistics count (trading.statistics.sql
``counted_tenders``, still under way included); alerts on no tender (a venue, an expert) count.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from audit.alerts.models import Alert
from bidhall.db import db
from trading.statistics import rules
from trading.statistics.providers import Rows, Table
from trading.statistics.rules import Window
from trading.statistics.sql import by_period, counted_tenders, period_of, seconds_between, within


def alerts(window: Window) -> Rows:
    dated = (
        select(
            period_of(Alert.raised_at, window).label("period"),
            Alert.severity,
            Alert.resolved_at,
            seconds_between(Alert.raised_at, Alert.resolved_at).label("taken"),
        )
        .where(
            or_(Alert.tender_id.is_(None), counted_tenders(Alert.tender_id, finished=False)),
            within(Alert.raised_at, window),
        )
        .subquery()
    )
    query = by_period(
        dated,
        func.count().label("raised"),
        func.count(dated.c.resolved_at).label("resolved"),
        func.avg(dated.c.taken).label("mean"),
        func.max(dated.c.taken).label("longest"),
        split="severity",
    )
    return [
        {
            "period": row.period,
            "severity": row.severity,
            "raised": row.raised,
            "resolved": row.resolved,
            "resolved_share": rules.percent(rules.rate(row.resolved, row.raised)),
            "mean_hours": rules.hours(None if row.mean is None else float(row.mean)),
            "longest_hours": rules.hours(None if row.longest is None else float(row.longest)),
        }
        for row in db.session.execute(query)
    ]


TABLES = (
    Table(
        "alerts",
        (
            "period", "severity", "raised", "resolved", "resolved_share", "mean_hours",
            "longest_hours",
        ),
        False,
        alerts,
    ),
)  # fmt: skip
