"""APScheduler only calls the idempotent tick; the tick runs whatever is due."""

import time
from datetime import timedelta

from bidhall import scheduler
from trading.tenders import queries as services


def test_the_background_scheduler_runs_the_tick_at_start(app, make_tender, clock):
    tender = make_tender("published")
    clock.set(tender.bid_deadline + timedelta(minutes=1))
    background = scheduler.start_background(app)
    try:
        for _ in range(100):  # the first run is immediate; poll, never a fixed sleep
            # closed at the deadline; with no bids the same tick's opening then fails it
            if services.get_tender(tender.id).state.value == "failed":
                break
            from bidhall.db import db

            db.session.remove()
            time.sleep(0.05)
    finally:
        background.shutdown(wait=True)
    assert services.get_tender(tender.id).state.value == "failed"


def test_the_scheduler_coalesces_missed_runs_into_one(app):
    background = scheduler.start_background(app)
    try:
        job = background.get_job("tick")
        assert job.coalesce is True
        assert job.max_instances == 1
    finally:
        background.shutdown(wait=True)


def test_tick_as_leader_runs_the_jobs(app, make_tender, clock):
    tender = make_tender("published")
    clock.set(tender.bid_deadline)
    report = scheduler.tick_as_leader()
    assert report["trading"][0].happened == ("download_closed", "deadline_reached")
