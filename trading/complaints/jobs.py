"""The complaints' tick: a supervisor's missed limit (acceptance, decision), reported once."""

from __future__ import annotations

from datetime import datetime

from bidhall.db import db
from trading.complaints import services


def tick(now: datetime) -> list[tuple[int, tuple[str, ...]]]:
    due = services.due(now)
    db.session.rollback()  # end the read snapshot; each complaint gets its own unit of work
    results = []
    for complaint_id in due:
        happened = services.advance(complaint_id, now)
        if happened:
            results.append((complaint_id, tuple(happened)))
    return results
