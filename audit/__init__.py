"""The audit layer: ``ledger``, the hash-chained ledger of every domain event with its signed
checkpoints; ``detectors``, the anomaly detectors of DOMAIN.md §5 run online after each commit
and on the tick; ``alerts``, what they raise and how supervisors handle it.

trading and evaluation never import this package; they emit events and the shell wires
``audit.install()`` unconditionally.
"""

from __future__ import annotations


def install() -> None:
    from audit.alerts import live
    from audit.detectors import runner as detectors
    from audit.ledger import chain as ledger
    from audit.ledger import checkpoints
    from audit.supervision import live as console
    from bidhall import events

    events.subscribe(ledger.append_event)
    events.subscribe(checkpoints.on_event)
    detectors.install()
    events.publish_after_commit(live.publish)
    events.publish_after_commit(console.publish)  # the console's key nodes and alert handling
