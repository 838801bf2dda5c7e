"""How the detectors run: after the writer's commit, never blocking it; what the online pass
missed is read on the tick; each condition raises one alert however often it is read."""

from __future__ import annotations

import pytest

from audit.detectors import base, runner
from bidhall import scheduler
from tests.fixtures.sessions import close_a_vote_early, emit


def _broken(fact, scope):
    raise RuntimeError("a detector with a bug")


def _close_early(committee) -> None:
    committee.elect(1)
    close_a_vote_early(committee)


def test_a_failing_detector_never_blocks_a_vote_over_the_socket(
    committee, session_client, monkeypatch, raised
):
    broken = base.Detector(
        "test.broken", "a test", "test", frozenset({"evaluation.vote_cast"}), check=_broken
    )
    monkeypatch.setitem(base.DETECTORS, "test.broken", broken)
    client = session_client(committee.member(3))
    emit(client, "join", session_id=committee.id)
    answer = emit(client, "cast", session_id=committee.id, cmd_id="c-1", vote=1, choice="3")
    assert "error" not in answer
    assert committee.state(committee.supervisor)["votes"][0]["ballots"] == 1


def test_the_other_detectors_still_run_beside_a_failing_one(committee, monkeypatch, raised):
    broken = base.Detector(
        "test.broken", "a test", "test", frozenset({"evaluation.vote_closed"}), check=_broken
    )
    monkeypatch.setitem(base.DETECTORS, "test.broken", broken)
    _close_early(committee)
    assert [a["detector"] for a in raised()] == ["vote.incomplete"]


def test_what_the_online_pass_missed_is_read_on_the_next_tick(
    committee, monkeypatch, raised, clock
):
    with monkeypatch.context() as offline:
        # a process that stopped right after its commit: no online pass
        offline.setattr(runner, "_pass", lambda histories: (0, None))
        _close_early(committee)
        assert raised("vote.incomplete") == []
    scheduler.tick(clock.now())
    assert len(raised("vote.incomplete")) == 1


def test_reading_the_same_events_again_raises_nothing_new(committee, raised, app):
    from audit.alerts.models import DetectorCursor
    from bidhall.db import db

    _close_early(committee)
    with db.transaction() as session:
        session.get(DetectorCursor, runner.CURSOR).seq = 0  # read the whole ledger again
    assert runner.process_new() > 0
    assert len(raised("vote.incomplete")) == 1


def test_an_alert_is_itself_on_the_ledger(committee, raised, app):
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    _close_early(committee)
    [alert] = raised("vote.incomplete")
    types = db.session.scalars(select(LedgerEntry.type).where(LedgerEntry.seq > alert["seq"]))
    assert "alert.raised" in list(types)


def test_a_process_reads_again_a_history_another_process_read_on(committee, monkeypatch):
    seen: list[int] = []

    def count_votes(fact, scope):
        seen.append(len(scope.history("evaluation.vote_opened")))
        return []

    spy = base.Detector(
        "test.spy", "a test", "test", frozenset({"evaluation.vote_cast"}), check=count_votes
    )
    monkeypatch.setitem(base.DETECTORS, "test.spy", spy)
    _close_early(committee)  # read by this process, which keeps the session's history
    leader = committee.member(1)
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(runner, "_histories", runner.Histories())  # another process's pass
        answer = committee.run(
            leader, "open_vote", matter="other", question="Again?", options=["y", "n"]
        )
    committee.run(committee.member(2), "cast", vote=answer["vote"], choice="y")
    assert seen[-1] == seen[-2] + 1  # the vote the other process read is in its history


@pytest.mark.parametrize("dropped_limit", [100_000, 0])
def test_a_process_that_keeps_one_history_at_a_time_finds_the_same(
    committee, monkeypatch, raised, dropped_limit
):
    monkeypatch.setattr(runner.Histories, "LIMIT", 1)  # the session's and the tender's alternate
    monkeypatch.setattr(runner.Histories, "DROPPED_LIMIT", dropped_limit)
    monkeypatch.setattr(runner, "_histories", runner.Histories())
    _close_early(committee)
    assert len(raised("vote.incomplete")) == 1


def test_a_history_of_a_type_no_detector_module_declared_is_refused():
    from datetime import UTC, datetime

    scope = runner.RunScope(None, 1, datetime(2026, 3, 1, tzinfo=UTC), session_id=1)
    with pytest.raises(base.UndeclaredHistory):
        scope.history("evaluation.vote_opened", "made.up")
