"""The audit layer: ``ledger``, the hash-chained ledger of every domain event with its signed
checkpoints (detectors, alerts and the supervision console come next).

trading and evaluation never import this package; they emit events and the shell wires
``audit.install()`` unconditionally.
"""

from __future__ import annotations


def install() -> None:
    from audit.ledger import chain as ledger
    from audit.ledger import checkpoints
    from bidhall import events

    events.subscribe(ledger.append_event)
    events.subscribe(checkpoints.on_event)
