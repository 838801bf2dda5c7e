"""The read side of credit: the public lists in force (names, kind, reason, validity, the kind of
basis; never the deciding supervisor), and a subject's record and score for the supervisors and
the subject itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.db import db
from bidhall.errors import NotFound
from trading.credit import rules, subjects
from trading.credit.models import CreditDecision
from trading.credit.services import decisions_of, entry


def lists_in_force(at: datetime | None = None) -> dict[str, list[CreditDecision]]:
    """The red and black lists as they stand at ``at`` (default: now)."""
    at = at or clock.now()
    rows = db.session.scalars(
        select(CreditDecision)
        .where(
            CreditDecision.kind.in_(rules.LISTS),
            CreditDecision.valid_from <= at,
            CreditDecision.valid_until > at,
        )
        .order_by(CreditDecision.valid_from.desc(), CreditDecision.id.desc())
    )
    shown: dict[str, list[CreditDecision]] = {kind: [] for kind in rules.LISTS}
    for row in rows:
        if rules.in_force(entry(row), at):
            shown[row.kind].append(row)
    return shown


@dataclass(frozen=True)
class Record:
    subject: subjects.Subject
    score: int
    black_listed: bool
    decisions: Sequence[CreditDecision]


def based_on(basis_kind: str, basis_id: int) -> list[CreditDecision]:
    """The decisions resting on one alert or complaint, oldest first."""
    return list(
        db.session.scalars(
            select(CreditDecision)
            .where(CreditDecision.basis_kind == basis_kind, CreditDecision.basis_id == basis_id)
            .order_by(CreditDecision.id)
        )
    )


def record(user: User | None, subject_kind: str, subject_id: int) -> Record:
    """A subject's score and every decision on it: for the supervisors, and for the subject
    itself (an organisation's users; an expert's own user). Anyone else: not found."""
    session = db.session
    subject = subjects.resolve(session, subject_kind, subject_id)
    if subject is None or not _may_read(user, subject):
        raise NotFound(f"no credit record {subject_kind} {subject_id}", code="not_found")
    rows = decisions_of(session, subject.kind, subject.id)
    now = clock.now()
    entries = [entry(r) for r in rows]
    return Record(
        subject,
        rules.score(entries, now),
        rules.black_listing(entries, now) is not None,
        rows,
    )


def _may_read(user: User | None, subject: subjects.Subject) -> bool:
    if user is None:
        return False
    if user.role == Role.SUPERVISOR:
        return True
    if subject.organisation_id is not None:
        return user.organisation_id == subject.organisation_id
    return subject.user_id is not None and user.id == subject.user_id


def public_json(row: CreditDecision) -> dict[str, Any]:
    """What the public lists show of a decision."""
    return {
        "id": row.id,
        "subject_kind": row.subject_kind,
        "subject_name": row.subject_name,
        "kind": row.kind,
        "reason": row.reason,
        "basis_kind": row.basis_kind,
        "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat(),
    }


def as_json(row: CreditDecision, *, supervisor: bool = False) -> dict[str, Any]:
    """A decision on a subject's record: the subject reads its basis and any revocation; the
    supervisors also read who decided and who revoked."""
    shown = public_json(row) | {
        "subject_id": row.subject_id,
        "points": row.points,
        "basis_id": row.basis_id,
        "basis_ref": row.basis_ref,
        "decided_at": row.decided_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "revoke_reason": row.revoke_reason,
        "in_force": rules.in_force(entry(row), clock.now()),
    }
    if supervisor:
        shown |= {"decided_by_id": row.decided_by_id, "revoked_by_id": row.revoked_by_id}
    return shown


def record_json(found: Record, user: User | None) -> dict[str, Any]:
    supervisor = getattr(user, "role", None) == Role.SUPERVISOR
    return {
        "subject_kind": found.subject.kind,
        "subject_id": found.subject.id,
        "subject_name": found.subject.name,
        "score": found.score,
        "black_listed": found.black_listed,
        "decisions": [as_json(r, supervisor=supervisor) for r in found.decisions],
    }
