"""A long backlog screened by worker processes, each a share of the tenders: the same alerts, in
the same order, as one process reading it; the cursor leased meanwhile; anything wrong in the
workers leaves the backlog to the reading process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from audit.detectors import runner, shards
from bidhall import config
from tests.fixtures.sessions import close_a_vote_early


def _close_early(committee) -> None:
    committee.elect(1)
    close_a_vote_early(committee)


def _alerts() -> list[tuple]:
    from audit.alerts.models import Alert
    from bidhall.db import db

    rows = db.session.scalars(select(Alert).order_by(Alert.id)).all()
    found = [
        (a.detector, a.key, a.seq, a.tender_id, a.session_id, a.venue_id, a.summary, a.evidence)
        for a in rows
    ]
    db.session.rollback()
    return found


def _screen_again(workers: int, monkeypatch) -> int:
    """Forget the alerts and set the cursor back to the start; read the whole ledger again."""
    from audit.alerts.models import Alert, DetectorCursor
    from bidhall.db import db

    monkeypatch.setattr(runner, "BATCH", 2)  # a session's ledger is a long backlog
    monkeypatch.setitem(config.current(), "AUDIT_WORKERS", workers)
    monkeypatch.setitem(config.current(), "AUDIT_SHARDED_FROM", 1)
    with db.transaction() as session:
        session.execute(delete(Alert))
        session.get(DetectorCursor, runner.CURSOR).seq = 0
    return runner.process_new()


def _cursor():
    from audit.alerts.models import DetectorCursor
    from bidhall.db import db

    cursor = db.session.get(DetectorCursor, runner.CURSOR, populate_existing=True)
    found = (cursor.seq, cursor.leased_until)
    db.session.rollback()
    return found


def test_a_backlog_screened_by_two_workers_raises_the_alerts_one_process_raises(
    committee, monkeypatch, app
):
    _close_early(committee)
    alone = _alerts()
    assert [a[0] for a in alone] == ["vote.incomplete"]
    started, find = [], shards._find
    monkeypatch.setattr(shards, "_find", lambda *a: started.append(a) or find(*a))
    _screen_again(2, monkeypatch)
    assert _alerts() == alone
    assert [workers for _, _, workers in started] == [2]


def test_the_cursor_reaches_the_head_and_its_lease_ends_after_the_workers(
    committee, monkeypatch, app
):
    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    _close_early(committee)
    _screen_again(2, monkeypatch)
    head = db.session.scalar(select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc()).limit(1))
    assert _cursor() == (head, None)


def test_a_leased_cursor_is_read_on_by_no_other_pass_until_the_lease_ends(
    committee, monkeypatch, app, clock, raised
):
    from audit.alerts.models import DetectorCursor
    from bidhall.db import db

    with db.transaction() as session:  # another process screens the backlog in workers
        cursor = session.get(DetectorCursor, runner.CURSOR)
        cursor.leased_until = clock.now() + timedelta(minutes=30)
    _close_early(committee)
    assert raised("vote.incomplete") == []
    clock.advance(minutes=31)  # that process stopped: its lease ended
    runner.process_new()
    assert len(raised("vote.incomplete")) == 1


def test_a_re_screen_hands_the_workers_the_backlog_from_its_first_entry(
    committee, monkeypatch, app
):
    # a first batch screened by the reading process would leave the workers' histories
    # beginning after it: every tender and session they met would then be read from the
    # database (a fifth more CPU over a year's re-screen)
    started = []
    monkeypatch.setattr(
        shards, "_find", lambda first, last, workers: started.append(first) or ([], [])
    )
    _close_early(committee)
    _screen_again(2, monkeypatch)
    assert started == [0]


def test_an_online_pass_never_asks_how_long_the_backlog_is(committee, monkeypatch, app, raised):
    def never(session, seq):
        raise AssertionError("a batch that is not full asked for the head")

    monkeypatch.setitem(config.current(), "AUDIT_WORKERS", 2)
    monkeypatch.setitem(config.current(), "AUDIT_SHARDED_FROM", 1)
    monkeypatch.setattr(shards, "long_backlog", never)
    _close_early(committee)
    assert len(raised("vote.incomplete")) == 1


def test_workers_that_fail_leave_the_backlog_to_the_reading_process(committee, monkeypatch, app):
    def broken(first, last, workers):
        raise RuntimeError("a worker died")

    _close_early(committee)
    alone = _alerts()
    monkeypatch.setattr(shards, "_find", broken)
    _screen_again(2, monkeypatch)
    assert _alerts() == alone
    assert _cursor()[1] is None


def test_one_worker_means_the_reading_process_reads_alone(committee, monkeypatch, app):
    def never(first, last, workers):
        raise AssertionError("no worker was to be started")

    _close_early(committee)
    monkeypatch.setattr(shards, "_find", never)
    assert _screen_again(1, monkeypatch) > 0
    assert [a[0] for a in _alerts()] == ["vote.incomplete"]


def test_a_process_gevent_patched_reads_a_backlog_alone(committee, monkeypatch, app):
    def never(first, last, workers):
        raise AssertionError("no worker was to be started")

    _close_early(committee)
    monkeypatch.setattr(shards, "_find", never)
    monkeypatch.setattr(shards, "_patched", lambda: True)
    assert _screen_again(2, monkeypatch) > 0
    assert [a[0] for a in _alerts()] == ["vote.incomplete"]


@pytest.mark.parametrize(
    "found, sizes",
    [
        ([], [0]),
        ([(1, "a"), (2, "b")], [2]),
        ([(1, "a"), (1, "b"), (1, "c"), (2, "d")], [3, 1]),  # an entry's findings stay together
        ([(1, "a"), (2, "b"), (3, "c")], [2, 1]),
    ],
)
def test_the_findings_are_raised_in_units_that_never_split_an_entrys(found, sizes, monkeypatch):
    monkeypatch.setattr(shards, "RAISE_UNIT", 2)
    units = shards._units(found)
    assert [len(unit) for unit in units if unit] == [s for s in sizes if s]
    assert [f for unit in units for f in unit] == found
