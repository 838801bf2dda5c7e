"""Supervision (监督): the supervisors' own interventions, under the centres' four-eyes practice.
A supervisor who pauses a live evaluation names the alert behind the pause; a pause with none
(``supervision.paused`` with ``alert_id`` null, audit/supervision/services.py) is flagged for a
second supervisor to review."""

from __future__ import annotations

from audit.detectors.base import Fact, Scope, Severity, detector, reads_back

PAUSED = "supervision.paused"
SUSPENDED = "evaluation.session_suspended"
reads_back(SUSPENDED)


@detector(
    "supervision.unbacked_pause",
    basis="centres' four-eyes practice: an intervention without a recorded cause is reviewed "
    "by a second supervisor",
    on=(PAUSED,),
)
def unbacked_pause(fact: Fact, scope: Scope):
    if fact.payload.get("alert_id") is not None:
        return
    # the session's suspension, written in the same unit just before the pause
    suspended = [f for f in scope.history(SUSPENDED) if f.seq < fact.seq][-1:]
    reason = fact.payload.get("reason")
    yield scope.finding(
        "supervision.unbacked_pause",
        f"session:{scope.session_id}:pause:{fact.seq}",
        Severity.YELLOW,
        f"{fact.actor} paused session {scope.session_id} with no alert behind it "
        f"(reason given: {reason!r}); a second supervisor should review the pause",
        [fact.seq, *(f.seq for f in suspended)],
        figures={"paused_by": fact.actor, "reason": reason, "alert_id": None},
        threshold={"kind": "fixed", "rule": "a pause names the open alert behind it"},
        subject=f"pause by {fact.actor}",
    )
