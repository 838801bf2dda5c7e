"""Credit use cases, one unit each: a supervisor records a decision (a deduction, a black or a
red listing) on its basis, or revokes one with a reason; and the checks other capabilities make
(a bidder on the black list may not bid)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, NotFound
from bidhall.events import emit
from trading.complaints.models import Complaint
from trading.complaints.queries import DECIDED
from trading.credit import rules, subjects
from trading.credit.models import CreditDecision


def record_decision(
    actor: User,
    *,
    subject_kind: Any,
    subject_id: Any,
    kind: Any,
    reason: Any,
    basis_kind: Any,
    basis_id: Any = None,
    basis_ref: Any = None,
    points: Any = None,
    valid_from: Any = None,
    valid_until: Any = None,
    alert_checked: bool = False,
) -> CreditDecision:
    """A supervisor's decision on an organisation or an expert. A complaint basis must be a
    decided complaint; an alert basis is checked by audit, which alone reads the alerts
    (audit/alerts/services.py: record_credit_decision passes ``alert_checked``)."""
    require_role(actor, Role.SUPERVISOR)
    now = clock.now()
    decision = rules.check_decision(
        subject_kind=subject_kind,
        kind=kind,
        points=points,
        reason=reason,
        basis_kind=basis_kind,
        basis_id=basis_id,
        basis_ref=basis_ref,
        valid_from=valid_from,
        valid_until=valid_until,
        now=now,
        zone=config.setting("DEFAULT_TIMEZONE", "Asia/Shanghai"),
    )
    with db.transaction() as session:
        subject = _subject(session, decision.subject_kind, subject_id)
        if decision.basis_kind == rules.ALERT and not alert_checked:
            raise Conflict(
                "a decision on an alert is recorded from the alert (POST /api/alerts/<id>/"
                "credit-decisions)",
                code="alert_basis_unchecked",
            )
        if decision.basis_kind == rules.COMPLAINT:
            _check_complaint(session, decision.basis_id)
        row = CreditDecision(
            subject_kind=subject.kind,
            subject_id=subject.id,
            subject_name=subject.name[:200],
            kind=decision.kind,
            points=decision.points,
            reason=decision.reason,
            basis_kind=decision.basis_kind,
            basis_id=decision.basis_id,
            basis_ref=decision.basis_ref,
            decided_by_id=actor.id,
            decided_at=now,
            valid_from=decision.valid_from,
            valid_until=decision.valid_until,
        )
        session.add(row)
        session.flush()
        emit(
            "credit.decided",
            actor,
            decision_id=row.id,
            subject_kind=row.subject_kind,
            subject_id=row.subject_id,
            kind=row.kind,
            points=row.points,
            basis_kind=row.basis_kind,
            basis_id=row.basis_id,
            valid_from=row.valid_from.isoformat(),
            valid_until=row.valid_until.isoformat(),
        )
    return row


def revoke_decision(actor: User, decision_id: int, reason: Any) -> CreditDecision:
    """A supervisor revokes a decision still in force or yet to start, with a reason; it stays
    on the subject's record, marked revoked."""
    require_role(actor, Role.SUPERVISOR)
    with db.transaction() as session:
        row = fetch_one(session, CreditDecision, decision_id, lock=True)
        if row is None:
            raise NotFound(f"no credit decision {decision_id}", code="credit_decision_not_found")
        now = clock.now()
        row.revoke_reason = rules.check_revocable(entry(row), reason, now)
        row.revoked_at = now
        row.revoked_by_id = actor.id
        emit(
            "credit.revoked",
            actor,
            decision_id=row.id,
            subject_kind=row.subject_kind,
            subject_id=row.subject_id,
            kind=row.kind,
        )
    return row


# --- what other capabilities ask ----------------------------------------------------------------


def check_may_bid(session: Session, organisation_id: int, at: datetime) -> None:
    """A bidder on the black list may not bid while the listing is in force (DOMAIN.md §6)."""
    listing = rules.black_listing(
        [entry(r) for r in decisions_of(session, "organisation", organisation_id)], at
    )
    if listing is not None:
        raise Conflict(
            "the organisation is on the black list (失信) until "
            f"{listing.valid_until:%Y-%m-%d %H:%M %Z}: it may not bid meanwhile",
            code="black_listed",
            until=listing.valid_until.isoformat(),
        )


def barred_experts(session: Session, base_scores: dict[int, int], at: datetime) -> frozenset[int]:
    """Of the experts (id -> the score their pool imported), those the credit bars from a draw
    at ``at``: on the black list, or scored under the minimum once the deductions are off."""
    if not base_scores:
        return frozenset()
    rows: dict[int, list[rules.Entry]] = {}
    for row in session.scalars(
        select(CreditDecision).where(
            CreditDecision.subject_kind == "expert",
            CreditDecision.valid_until > at,
            CreditDecision.valid_from <= at,
        )
    ):
        if row.subject_id in base_scores:
            rows.setdefault(row.subject_id, []).append(entry(row))
    return frozenset(
        expert_id
        for expert_id, base in base_scores.items()
        if rules.expert_barred(rows.get(expert_id, ()), at, base)
    )


def decisions_of(session: Session, subject_kind: str, subject_id: int) -> Sequence[CreditDecision]:
    return list(
        session.scalars(
            select(CreditDecision)
            .where(
                CreditDecision.subject_kind == subject_kind,
                CreditDecision.subject_id == subject_id,
            )
            .order_by(CreditDecision.decided_at.desc(), CreditDecision.id.desc())
        )
    )


def entry(row: CreditDecision) -> rules.Entry:
    return rules.Entry(row.kind, row.points, row.valid_from, row.valid_until, row.revoked_at)


# --- helpers ------------------------------------------------------------------------------------


def _subject(session: Session, kind: str, subject_id: Any) -> subjects.Subject:
    from bidhall.inputs import identifier

    found = subjects.resolve(session, kind, identifier(subject_id, "subject_id"))
    if found is None:
        what = "a bidder or agency organisation" if kind == "organisation" else "an expert"
        raise NotFound(f"subject_id: no {what} {subject_id}", code="credit_subject_not_found")
    return found


def _check_complaint(session: Session, complaint_id: int) -> None:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"basis_id: no complaint {complaint_id}", code="complaint_not_found")
    if complaint.state not in DECIDED:
        raise Conflict(
            f"basis_id: complaint {complaint_id} is not decided yet ({complaint.state})",
            code="complaint_not_decided",
        )
