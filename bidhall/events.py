"""Domain events, dispatched synchronously inside the caller's transaction.

Services call ``emit("bid.sealed", actor, tender_id=..., sha256=...)``. Subscribers (the audit
ledger first of all) run at once with the same session, so the event and the state change commit
or roll back together. Publishers (Socket.IO broadcasts) run only after the commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.db import db


@dataclass
class Event:
    type: str
    actor: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    # the ledger position: set when the ledger appends the unit's events, just before the
    # commit, so it is known to after-commit publishers and to the caller after the unit
    seq: int | None = None


Subscriber = Callable[[Session, Event], None]
Publisher = Callable[[Event], None]

_subscribers: list[Subscriber] = []
_publishers: list[Publisher] = []


def subscribe(handler: Subscriber) -> None:
    """Run ``handler(session, event)`` inside the emitting transaction."""
    if handler not in _subscribers:
        _subscribers.append(handler)


def publish_after_commit(handler: Publisher) -> None:
    if handler not in _publishers:
        _publishers.append(handler)


def reset() -> None:
    _subscribers.clear()
    _publishers.clear()


def actor_of(user: Any) -> str:
    """The ledger name of whoever acts: ``user:12``, or a ``system:...`` string as given."""
    if user is None:
        return "system"
    if isinstance(user, str):
        return user
    return f"user:{user.id}"


def emit(type: str, actor: Any, **payload: Any) -> Event:
    """Record that something happened. Must be called inside ``db.transaction()``."""
    session = db.current_session()
    json.dumps(payload)  # refuse a payload the ledger could not store, at the call site
    event = Event(type=type, actor=actor_of(actor), at=clock.now(), payload=payload)
    for handler in list(_subscribers):
        handler(session, event)
    for publisher in list(_publishers):
        db.after_commit(lambda publisher=publisher, event=event: publisher(event))
    return event
