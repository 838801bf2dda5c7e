"""Raising a unit of findings at once (``raise_alerts``, a re-screen's path): the alerts and
their ledger entries are those ``raise_alert`` makes one at a time, and a finding that cannot be
recorded is left out without taking its unit's others, or a trace, with it."""

from __future__ import annotations

import json

from tests.audit.ledger.test_chain import ledger_rows


def finding(key: str, **figures):
    from audit.detectors.base import DETECTORS, Finding, Severity

    return Finding(next(iter(DETECTORS)), key, Severity.YELLOW, f"Finding {key}.", (1,), figures)


def raise_unit(found) -> int:
    from audit.alerts import services
    from bidhall.db import db

    with db.transaction() as session:
        return services.raise_alerts(session, [(1, f) for f in found])


def alert_keys() -> list[str]:
    from sqlalchemy import select

    from audit.alerts.models import Alert
    from bidhall.db import db

    db.session.rollback()
    return list(db.session.scalars(select(Alert.key).order_by(Alert.id)))


def raised_entries() -> list[dict]:
    return [json.loads(r.payload) for r in ledger_rows() if r.type == "alert.raised"]


def test_a_unit_raises_each_new_condition_once_in_order(app):
    count = raise_unit([finding("a"), finding("b"), finding("a")])
    assert count == 2
    assert [k.split(":", 1)[1] for k in alert_keys()] == ["a", "b"]


def test_a_condition_raised_before_is_not_raised_again(app):
    raise_unit([finding("a")])
    assert raise_unit([finding("a"), finding("c")]) == 1
    assert [k.split(":", 1)[1] for k in alert_keys()] == ["a", "c"]


def test_a_finding_that_cannot_be_recorded_leaves_its_units_others_raised(app):
    unstorable = finding("bad", figure=object())  # no JSON for the ledger
    assert raise_unit([finding("a"), unstorable, finding("b")]) == 2
    assert [k.split(":", 1)[1] for k in alert_keys()] == ["a", "b"]


def test_a_failed_unit_leaves_one_ledger_entry_per_alert_raised(app):
    raise_unit([finding("a"), finding("bad", figure=object()), finding("b")])
    from sqlalchemy import select

    from audit.alerts.models import Alert
    from bidhall.db import db

    ids = list(db.session.scalars(select(Alert.id).order_by(Alert.id)))
    assert [e["alert_id"] for e in raised_entries()] == ids
