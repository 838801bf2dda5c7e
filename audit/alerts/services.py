"""Alert use cases: raising one from a detector's finding (idempotent by its key), and the
supervisors' acknowledge, assign, resolve and escalate. Every change is a ledger event, so an
alert's handling is on the record like the events that raised it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.alerts import rules
from audit.alerts.models import Alert
from audit.alerts.rules import AlertState
from audit.detectors.base import DETECTORS, Finding, Severity
from bidhall import clock, events
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, InvalidInput, NotFound
from trading.credit import services as credit
from trading.credit.models import CreditDecision

logger = logging.getLogger(__name__)


def raise_alert(session: Session, finding: Finding, seq: int | None) -> Alert | None:
    """Record the finding as an open alert, unless its condition already has one (then None).
    Runs inside the detectors' unit (audit/detectors/runner.py)."""
    exists = session.scalar(select(Alert.id).where(Alert.key == _key(finding)))
    if exists is not None:
        return None
    return _record(session, finding, seq)


def raise_alerts(session: Session, found: Sequence[tuple[int | None, Finding]]) -> int:
    """Raise a unit of findings in order, as ``raise_alert`` would one at a time, with one read
    of the keys raised already and one savepoint for them all: a re-screen raises thousands
    (audit/detectors/shards.py). If one fails, the unit is raised again a finding at a time,
    each in its own savepoint, and the failing one is logged and left out. The number raised."""
    keys = {_key(finding) for _seq, finding in found}
    try:
        with db.savepoint():
            raised = set(session.scalars(select(Alert.key).where(Alert.key.in_(keys))))
            new = 0
            for seq, finding in found:
                if _key(finding) not in raised:
                    raised.add(_key(finding))
                    _record(session, finding, seq)
                    new += 1
            return new
    except Exception:
        logger.warning("a unit of %d findings failed; raising them one at a time", len(found))
    new = 0
    for seq, finding in found:
        try:
            with db.savepoint():
                new += raise_alert(session, finding, seq) is not None
        except Exception:
            logger.exception(
                "detector %s: its finding %s was not recorded", finding.detector, finding.key
            )
    return new


def _record(session: Session, finding: Finding, seq: int | None) -> Alert:
    alert = Alert(
        detector=finding.detector,
        key=_key(finding),
        severity=str(finding.severity),
        state=AlertState.OPEN,
        tender_id=finding.tender_id,
        session_id=finding.session_id,
        venue_id=finding.venue_id,
        subject=finding.subject,
        summary=finding.summary,
        basis=DETECTORS[finding.detector].basis,
        evidence={
            "seqs": list(finding.seqs),
            "figures": finding.figures,
            "threshold": finding.threshold,
        },
        seq=seq,
        raised_at=clock.now(),
    )
    session.add(alert)
    session.flush()
    events.emit(
        "alert.raised",
        "system:audit",
        alert_id=alert.id,
        detector=alert.detector,
        severity=alert.severity,
        tender_id=alert.tender_id,
        session_id=alert.session_id,
        venue_id=alert.venue_id,
        subject=alert.subject,
        summary=alert.summary,
        evidence=alert.evidence,
    )
    return alert


def _key(finding: Finding) -> str:
    return f"{finding.detector}:{finding.key}"[:200]


def acknowledge(user: User, alert_id: int) -> Alert:
    require_role(user, Role.SUPERVISOR)
    with db.transaction() as session:
        alert = _load(session, alert_id)
        rules.check_acknowledge(alert.state)
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_at = clock.now()
        alert.acknowledged_by_id = user.id
        if alert.assignee_id is None:
            alert.assignee_id = user.id  # who acknowledges it takes it, unless it is assigned
        events.emit("alert.acknowledged", user, alert_id=alert.id, assignee_id=alert.assignee_id)
    return alert


def assign(user: User, alert_id: int, assignee_id: int) -> Alert:
    require_role(user, Role.SUPERVISOR)
    with db.transaction() as session:
        alert = _load(session, alert_id)
        rules.check_assignable(alert.state)
        assignee = session.get(User, assignee_id)
        if assignee is None or assignee.role != Role.SUPERVISOR or not assignee.active:
            raise InvalidInput(
                "an alert is assigned to an active supervisor", code="invalid_assignee"
            )
        alert.assignee_id = assignee.id
        events.emit("alert.assigned", user, alert_id=alert.id, assignee_id=assignee.id)
    return alert


def resolve(user: User, alert_id: int, resolution: str, note: str) -> Alert:
    require_role(user, Role.SUPERVISOR)
    with db.transaction() as session:
        alert = _load(session, alert_id)
        rules.check_resolve(alert.state, resolution, note)
        now = clock.now()
        if alert.acknowledged_at is None:  # resolving says it was seen
            alert.acknowledged_at = now
            alert.acknowledged_by_id = user.id
        alert.state = AlertState.RESOLVED
        alert.resolved_at = now
        alert.resolved_by_id = user.id
        alert.resolution = resolution
        alert.note = note.strip()
        if alert.assignee_id is None:
            alert.assignee_id = user.id
        events.emit(
            "alert.resolved", user, alert_id=alert.id, resolution=resolution, note=alert.note
        )
    return alert


def escalate(user: User, alert_id: int, reason: str) -> Alert:
    """A yellow card made red by a supervisor, with the reason why (the console's escalation):
    the alert's severity changes, its state does not."""
    require_role(user, Role.SUPERVISOR)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "escalating an alert needs a reason", code="reason_required", field="reason"
        )
    with db.transaction() as session:
        alert = _load(session, alert_id)
        if alert.state == AlertState.RESOLVED:
            raise Conflict("the alert is already resolved", code="alert_resolved")
        if alert.severity != Severity.YELLOW:
            raise Conflict("only a yellow card is escalated to red", code="alert_not_yellow")
        previous, alert.severity = alert.severity, str(Severity.RED)
        events.emit(
            "alert.escalated",
            user,
            alert_id=alert.id,
            reason=reason,
            severity=alert.severity,
            previous=previous,
        )
    return alert


def record_credit_decision(user: User, alert_id: int, **decision: Any) -> CreditDecision:
    """A supervisor's credit decision (trading/credit) resting on an alert: the alert must
    exist; trading may not read alerts, so the check is made here, in the decision's unit."""
    require_role(user, Role.SUPERVISOR)
    with db.transaction() as session:
        alert = _load(session, alert_id)
        return credit.record_decision(
            user, **decision, basis_kind="alert", basis_id=alert.id, alert_checked=True
        )


def _load(session: Session, alert_id: int) -> Alert:
    alert = fetch_one(session, Alert, alert_id, lock=True)
    if alert is None:
        raise NotFound("no such alert", code="alert_not_found")
    return alert
