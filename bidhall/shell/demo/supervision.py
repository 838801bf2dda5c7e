"""Chapter: the supervisor's desk. What the detectors raised while the tender was played (each
with its evidence) is read by the filing supervisor, who takes the vote closed early, confirms
it with a note, and leaves the others open for the centre's review."""

from __future__ import annotations

from audit.alerts import queries, services
from bidhall.shell.demo.context import Demo


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
    demo.alerts = [
        {"id": a.id, "detector": a.detector, "severity": a.severity, "state": a.state}
        for a in reversed(queries.alerts())
    ]
