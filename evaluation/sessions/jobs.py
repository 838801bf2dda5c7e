"""The session's clock: after the time set for signing, the members that neither signed nor gave
reasons are recorded as agreeing and the report is sealed (once per session: a sealed session is
finished, so a second tick finds nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bidhall.db import db
from evaluation.sessions import report, room
from evaluation.sessions.models import EvaluationSession
from evaluation.sessions.rules import SessionState, Stage


def tick(now: datetime) -> dict:
    due = db.session.scalars(
        select(EvaluationSession.id).where(
            EvaluationSession.state == SessionState.OPEN,
            EvaluationSession.stage == Stage.REPORT,
            EvaluationSession.report_due_at <= now,
        )
    ).all()
    sealed = 0
    for session_id in due:
        with db.transaction() as session:
            evaluation = room.load(session, session_id, lock=True)
            if evaluation.state != SessionState.OPEN or evaluation.stage != Stage.REPORT:
                continue
            report.record_refusals(session, evaluation)
            sealed += 1
    return {"reports_sealed": sealed}
