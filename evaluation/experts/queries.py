"""The experts as other capabilities read them: an expert as the subject of a credit decision
(trading/credit/subjects.py; the shell registers this resolver, trading may not import us)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from evaluation.experts.models import Expert
from trading.credit.subjects import Subject


def credit_subject(session: Session, expert_id: int) -> Subject | None:
    expert = session.get(Expert, expert_id)
    if expert is None:
        return None
    return Subject("expert", expert.id, expert.name, user_id=expert.user_id)
