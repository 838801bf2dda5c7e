"""The ledger's index by subject: written with each entry in its writer's unit, before any
detector reads it; an entry appended before the index was kept is indexed by the detectors'
pass."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from audit.detectors import runner
from audit.ledger.models import IndexedEvent, LedgerEntry
from tests.fixtures.sessions import close_a_vote_early


def _index(**where) -> list[tuple[str, int | None, int | None]]:
    from bidhall.db import db

    query = select(IndexedEvent.type, IndexedEvent.tender_id, IndexedEvent.session_id)
    for column, value in where.items():
        query = query.where(getattr(IndexedEvent, column) == value)
    rows = db.session.execute(query.order_by(IndexedEvent.seq)).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def _vote(committee) -> None:
    committee.elect(1)
    close_a_vote_early(committee)


def test_a_sessions_entries_are_indexed_with_its_tender_before_any_detector_reads_them(
    committee, monkeypatch
):
    monkeypatch.setattr(runner, "_pass", lambda histories: (0, None))  # no detector pass
    _vote(committee)
    casts = _index(type="evaluation.vote_cast")
    assert casts and set(casts) == {("evaluation.vote_cast", committee.tender_id, committee.id)}


def test_an_entry_about_no_tender_or_session_has_a_row_naming_neither(app):
    from bidhall import events
    from bidhall.db import db

    with db.transaction():
        events.emit("test.sign_in", "system:test", user_id=3)
    assert _index() == [("test.sign_in", None, None)]


def test_a_unit_rolled_back_leaves_no_index_row(app):
    from bidhall import events
    from bidhall.db import db

    with pytest.raises(RuntimeError, match="after the event"):
        with db.transaction():
            events.emit("test.rolled_back", "system:test", tender_id=4)
            raise RuntimeError("after the event")
    assert _index() == []


def test_the_pass_indexes_the_entries_written_before_the_index_was_kept(
    committee, monkeypatch, raised
):
    from audit.alerts.models import DetectorCursor
    from bidhall.db import db

    with monkeypatch.context() as offline:
        offline.setattr(runner, "_pass", lambda histories: (0, None))
        _vote(committee)
    before = _index(session_id=committee.id)
    with db.transaction() as session:  # what the detectors had not read: as an older version
        read = session.get(DetectorCursor, runner.CURSOR).seq  # appended it, without its row
        session.execute(delete(IndexedEvent).where(IndexedEvent.seq > read))
    runner.process_new()
    assert _index(session_id=committee.id)[: len(before)] == before  # then its alert's entry
    [alert] = raised("vote.incomplete")
    assert (alert["tender_id"], alert["session_id"]) == (committee.tender_id, committee.id)


def test_every_ledger_entry_has_its_index_row_after_a_whole_session(committee, raised):
    from bidhall.db import db

    _vote(committee)
    entries = db.session.scalars(select(LedgerEntry.seq).order_by(LedgerEntry.seq)).all()
    indexed = db.session.scalars(select(IndexedEvent.seq).order_by(IndexedEvent.seq)).all()
    db.session.rollback()
    assert entries and indexed == entries
