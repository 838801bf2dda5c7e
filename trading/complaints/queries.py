"""Who sees which complaints: the supervisors all of them, a bidder its own; everyone the
decisions, once made and from the bid deadline, without the complainant's name (they are
published with the tender)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bidhall.accounts.models import Role, User
from bidhall.db import db
from bidhall.errors import NotFound
from trading.complaints.models import Complaint
from trading.complaints.rules import ComplaintState

DECIDED = (ComplaintState.NOT_ACCEPTED, ComplaintState.UPHELD, ComplaintState.DISMISSED)


def visible(user: User | None, tender_id: int | None = None) -> Sequence[Complaint]:
    query = select(Complaint).order_by(Complaint.id.desc())
    if tender_id is not None:
        query = query.where(Complaint.tender_id == tender_id)
    role = getattr(user, "role", None)
    if role != Role.SUPERVISOR:
        if role != Role.BIDDER:
            return []
        query = query.where(Complaint.organisation_id == user.organisation_id)
    return list(db.session.scalars(query))


def get(user: User | None, complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint not in visible(user, complaint.tender_id):
        raise NotFound(f"no complaint {complaint_id}", code="complaint_not_found")
    return complaint


def published(tender_id: int) -> Sequence[Complaint]:
    """The decided complaints of the tender, as the public reads them: from the bid deadline.
    Before it, a decision would tell the public that someone holds the documents (only a
    holder may complain, Law Art 22); the complainant and the supervisors see it at once."""
    from trading.bids.queries import disclosure
    from trading.tenders.models import Tender

    tender = db.session.get(Tender, tender_id)
    if tender is None or not disclosure(tender).counts:
        return []
    return list(
        db.session.scalars(
            select(Complaint)
            .where(Complaint.tender_id == tender_id, Complaint.state.in_(DECIDED))
            .order_by(Complaint.decided_at)
        )
    )


def suspended_by_complaint(tender_id: int) -> bool:
    from trading.complaints.services import suspending

    return bool(suspending(db.session, tender_id))


def as_json(complaint: Complaint, *, public: bool = False) -> dict[str, Any]:
    shown = {
        "id": complaint.id,
        "tender_id": complaint.tender_id,
        "subject": complaint.subject,
        "state": complaint.state,
        "suspends": complaint.suspends,
        "decision": complaint.decision,
        "decided_at": complaint.decided_at.isoformat() if complaint.decided_at else None,
    }
    if not public:
        shown |= {
            "body": complaint.body,
            "known_on": complaint.known_on.isoformat(),
            "filed_at": complaint.filed_at.isoformat(),
            "acceptance_due_at": complaint.acceptance_due_at.isoformat(),
            "decision_due_at": complaint.decision_due_at.isoformat()
            if complaint.decision_due_at
            else None,
        }
    return shown
