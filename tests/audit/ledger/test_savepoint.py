"""``db.savepoint()``: a block that fails inside a unit is undone whole, in the database and in
what it queued for the unit (its ledger events, its hooks); the rest of the unit commits."""

from __future__ import annotations

import pytest

from tests.audit.ledger.test_chain import ledger_rows


def failing_block(*effects) -> None:
    from bidhall.db import db

    with pytest.raises(RuntimeError), db.savepoint():
        for effect in effects:
            effect()
        raise RuntimeError("the block fails")


def test_an_event_emitted_in_a_failed_savepoint_never_reaches_the_ledger(app):
    from bidhall import events
    from bidhall.db import db

    with db.transaction():
        events.emit("test.before", "system:test", n=1)
        failing_block(lambda: events.emit("test.undone", "system:test", n=2))
        events.emit("test.after", "system:test", n=3)
    assert [row.type for row in ledger_rows()] == ["test.before", "test.after"]


def test_a_failed_savepoint_first_in_its_unit_leaves_the_ledger_empty(app):
    from bidhall import events
    from bidhall.db import db

    with db.transaction():
        failing_block(lambda: events.emit("test.undone", "system:test", n=1))
    assert ledger_rows() == []


def test_an_after_commit_hook_of_a_failed_savepoint_does_not_run(app):
    from bidhall.db import db

    ran = []
    with db.transaction():
        db.after_commit(lambda: ran.append("unit"))
        failing_block(lambda: db.after_commit(lambda: ran.append("savepoint")))
    assert ran == ["unit"]


def test_an_after_rollback_hook_of_a_failed_savepoint_runs_at_once(app):
    from bidhall.db import db

    ran = []
    with db.transaction():
        failing_block(lambda: db.after_rollback(lambda: ran.append("undone")))
        assert ran == ["undone"]
    assert ran == ["undone"]  # and not again: the unit committed


def test_a_savepoint_that_succeeds_keeps_its_events(app):
    from bidhall import events
    from bidhall.db import db

    with db.transaction(), db.savepoint():
        events.emit("test.kept", "system:test", n=1)
    assert [row.type for row in ledger_rows()] == ["test.kept"]


def test_a_savepoint_outside_a_unit_is_refused(app):
    from bidhall.db import db

    with pytest.raises(RuntimeError, match="inside db.transaction"), db.savepoint():
        pass
