"""The period the database gives a moment: the centre's local month or year (Asia/Shanghai,
UTC+8), on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from trading.statistics.rules import Window


def period(app, moment: datetime, kind: str) -> str:
    from sqlalchemy import literal, select

    from bidhall.db import UTCDateTime, db
    from trading.statistics.sql import period_of

    window = Window(kind, date(2026, 1, 1), date(2027, 1, 1), "Asia/Shanghai")
    with app.app_context():
        return db.session.scalar(select(period_of(literal(moment, UTCDateTime()), window)))


@pytest.mark.parametrize(
    ("moment", "kind", "expected"),
    [
        (datetime(2026, 3, 31, 15, 59, tzinfo=UTC), "month", "2026-03"),  # 23:59 local
        (datetime(2026, 3, 31, 16, 0, tzinfo=UTC), "month", "2026-04"),  # midnight local
        (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), "year", "2027"),
        (datetime(2026, 12, 31, 15, 30, tzinfo=UTC), "year", "2026"),
    ],
)
def test_a_moment_falls_in_the_centres_local_period(app, moment, kind, expected):
    assert period(app, moment, kind) == expected
