"""Read models the detectors use beyond the ledger, by name: ``scope.read(name, **arguments)``.
Each is ``function(session, **arguments)`` returning plain data (no ORM objects leave).

A read model keyed by one subject (``tender_id`` or ``session_id``) may also be registered in a
batch form (``read_many``): ``function(session, keys)`` returning ``{key: what the single form
returns}`` for every key asked. The runner then reads it for every subject of its pass that
will ask in one statement, instead of one round trip per entry; the single form is derived
from it, so the two never disagree."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.detectors.base import Fact
from audit.ledger.models import LedgerEntry

READS: dict[str, Callable[..., Any]] = {}
MANY: dict[str, tuple[str, Callable[..., dict[Any, Any]]]] = {}  # name -> (key argument, batch)


def read(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        READS[name] = function
        return function

    return register


def read_many(name: str, by: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a read model in its batch form, ``function(session, keys) -> {key: value}``
    (a value for every key), keyed by the argument ``by``; ``READS[name]`` is its single form."""

    def register(function: Callable[..., dict[Any, Any]]) -> Callable[..., dict[Any, Any]]:
        def single(session: Session, **arguments: Any) -> Any:
            key = arguments[by]
            return function(session, [key])[key]

        single.__doc__ = function.__doc__
        READS[name] = single
        MANY[name] = (by, function)
        return function

    return register


class LedgerFact(Fact):
    """A fact read from the ledger whose payload is decoded from the entry's JSON text the first
    time it is asked for: most entries a pass reads (review marks, ballots, sheets of sessions
    no detector looks back on) are indexed and kept in histories but never looked into."""

    def __init__(self, seq: int, at: Any, actor: str, type: str, text: str) -> None:
        # a frozen dataclass: its fields are set as its own generated __init__ sets them
        object.__setattr__(self, "seq", seq)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "actor", actor)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_payload", None)

    @property
    def payload(self) -> dict[str, Any]:  # type: ignore[override]
        payload = self._payload
        if payload is None:
            payload = json.loads(self._text)
            object.__setattr__(self, "_payload", payload)
        return payload


# what a LedgerFact is made of, in its arguments' order
FACT_COLUMNS = (
    LedgerEntry.seq,
    LedgerEntry.at,
    LedgerEntry.actor,
    LedgerEntry.type,
    LedgerEntry.payload,
)


def facts(session: Session, seqs: Any) -> list[Fact]:
    """The ledger entries whose seqs ``seqs`` (a list or a subquery) names, as facts, in order."""
    rows = session.execute(
        select(*FACT_COLUMNS).where(LedgerEntry.seq.in_(seqs)).order_by(LedgerEntry.seq)
    ).all()
    return [LedgerFact(*row) for row in rows]
