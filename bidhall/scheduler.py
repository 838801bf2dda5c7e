"""Time-driven work: one idempotent ``tick(now)`` that runs every registered job that is due.

APScheduler only calls the tick (coalescing missed runs into one, so a restart catches up once and
never fires a storm). With PostgreSQL, only the process holding the scheduler lock runs it, so
several worker processes never tick twice at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import text

from bidhall import clock
from bidhall.db import db

logger = logging.getLogger(__name__)

_jobs: list[tuple[str, Callable[[datetime], Any]]] = []
_TICK_LOCK_KEY = 0x7469636B  # "tick"


def register(name: str, job: Callable[[datetime], Any]) -> None:
    if all(existing != name for existing, _ in _jobs):
        _jobs.append((name, job))


def reset() -> None:
    _jobs.clear()


def tick(now: datetime | None = None) -> dict[str, Any]:
    """Run every job once for ``now``; returns what each job reported."""
    now = now or clock.now()
    report: dict[str, Any] = {}
    for name, job in _jobs:
        report[name] = job(now)
    return report


def tick_as_leader() -> dict[str, Any] | None:
    """The scheduler's entry point: on PostgreSQL, skip when another process holds the tick."""
    if db.dialect != "postgresql":
        return tick()
    with db.engine.connect() as connection:
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": _TICK_LOCK_KEY}
        ).scalar()
        if not got:
            return None
        try:
            return tick()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _TICK_LOCK_KEY})


def start_background(app: Any) -> Any:
    """Start APScheduler in this process (the embedded default and `bidhall serve`)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    def run() -> None:
        with app.app_context():
            try:
                tick_as_leader()
            except Exception:
                logger.exception("tick failed")
            finally:
                db.session.remove()  # the scheduler's thread keeps no session between ticks

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        run,
        "interval",
        seconds=app.config["TICK_SECONDS"],
        id="tick",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        # APScheduler's timer runs on real seconds, also under the sandbox's accelerated clock
        next_run_time=clock.wall_now(),
    )
    scheduler.start()
    return scheduler
