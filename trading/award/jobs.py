"""The award's tick: each award whose next check is due advances in its own unit (the
candidates published by the platform after 3 days, objections and contracts overdue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bidhall.db import db
from trading.award import services


@dataclass(frozen=True)
class TickResult:
    award_id: int
    happened: tuple[str, ...]


def tick(now: datetime) -> list[TickResult]:
    due = services.due_awards(now)
    db.session.rollback()  # end the read snapshot; each award gets its own unit of work
    results = []
    for award_id in due:
        happened = services.advance(award_id, now)
        if happened:
            results.append(TickResult(award_id, tuple(happened)))
    return results
