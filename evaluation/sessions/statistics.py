"""The statistics' table of remote evaluation, provided to trading.statistics (which may not
import evaluation; the shell registers it, bidhall.shell.app ``_wire_domains``).

``remote_evaluation`` (public): the evaluation sessions that began in the period, and how many
were remote, that is, their committee sat at more than one venue (主场 and 副场, DOMAIN.md §4:
members checked in at several places evaluate together online). A member with no venue (not
checked in at one) does not count as a place. Only the tenders the statistics count
(trading.statistics.sql ``counted_tenders``) are read.
"""

from __future__ import annotations

from sqlalchemy import case, distinct, func, select

from bidhall.db import db
from evaluation.sessions.models import EvaluationSession, SessionMember
from trading.statistics import rules
from trading.statistics.providers import Rows, Table
from trading.statistics.rules import Window
from trading.statistics.sql import by_period, counted_tenders, period_of, within


def remote_evaluation(window: Window) -> Rows:
    venues = (
        select(
            SessionMember.session_id,
            func.count(distinct(SessionMember.venue_id)).label("venues"),
        )
        .where(SessionMember.venue_id.is_not(None))
        .group_by(SessionMember.session_id)
        .subquery()
    )
    dated = (
        select(
            period_of(EvaluationSession.opened_at, window).label("period"),
            func.coalesce(venues.c.venues, 0).label("venues"),
        )
        .outerjoin(venues, venues.c.session_id == EvaluationSession.id)
        .where(
            counted_tenders(EvaluationSession.tender_id),
            within(EvaluationSession.opened_at, window),
        )
        .subquery()
    )
    query = by_period(
        dated,
        func.count().label("sessions"),
        func.sum(case((dated.c.venues > 1, 1), else_=0)).label("remote"),
    )
    return [
        {
            "period": row.period,
            "sessions": row.sessions,
            "remote_sessions": int(row.remote or 0),
            "remote_share": rules.percent(rules.rate(int(row.remote or 0), row.sessions)),
        }
        for row in db.session.execute(query)
    ]


TABLES = (
    Table(
        "remote_evaluation",
        ("period", "sessions", "remote_sessions", "remote_share"),
        True,
        remote_evaluation,
    ),
)
