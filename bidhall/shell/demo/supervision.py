"""Chapter: the supervisor's desk. What the detectors raised while the tender was played (each
with its evidence) is read by the filing supervisor, who takes the vote closed early, confirms
it with a note, records a separate credit decision on it (2 points off the leader's score: the
consequence is the supervisor's decision, never the alert's), and leaves the others open for the
centre's review."""

from __future__ import annotations

from sqlalchemy import select

from audit.alerts import queries, services
from bidhall.db import db
from bidhall.shell.demo.context import Demo
from evaluation.sessions.models import SessionMember


def run(demo: Demo) -> None:
    supervisor = demo.cast.supervisor
    raised = list(reversed(queries.alerts()))
    for alert in raised:
        demo.say(f"alert {alert.id} [{alert.severity}] {alert.detector}: {alert.summary}")
    early = [alert for alert in raised if alert.detector == "vote.incomplete"]
    if early:
        services.acknowledge(supervisor, early[0].id)
        services.resolve(
            supervisor,
            early[0].id,
            "confirmed",
            "The leader closed the vote while a member was out of the room; the committee was "
            "reminded that every present member votes. The vote's matter did not affect the "
            "result.",
        )
        demo.say(
            f"the supervisor acknowledged alert {early[0].id} and resolved it with a note "
            "(confirmed); the others stay open for the centre's review"
        )
        decision = services.record_credit_decision(
            supervisor,
            early[0].id,
            subject_kind="expert",
            subject_id=_leader_expert_id(early[0].session_id),
            kind="deduction",
            points=2,
            reason="Closed a vote while a member was out of the room (alert "
            f"{early[0].id}); the committee's rules were explained to the leader.",
        )
        demo.credit = {
            "decision": decision.id,
            "kind": decision.kind,
            "points": decision.points,
            "alert": early[0].id,
            "valid_until": decision.valid_until.isoformat(),
        }
        demo.say(
            f"on alert {early[0].id} the supervisor deducted {decision.points} points from "
            f"the leader's credit score (量化记分), valid until "
            f"{decision.valid_until:%Y-%m-%d}: a decision of its own, with its reason"
        )
    demo.alerts = [
        {"id": a.id, "detector": a.detector, "severity": a.severity, "state": a.state}
        for a in reversed(queries.alerts())
    ]


def _leader_expert_id(session_id: int | None) -> int:
    return db.session.scalar(
        select(SessionMember.expert_id).where(
            SessionMember.session_id == session_id, SessionMember.leader.is_(True)
        )
    )
