"""Read models the detectors use beyond the ledger, by name: ``scope.read(name, **arguments)``.
Each is ``function(session, **arguments)`` returning plain data (no ORM objects leave)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.detectors.base import Fact
from audit.ledger.models import LedgerEntry

READS: dict[str, Callable[..., Any]] = {}


def read(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        READS[name] = function
        return function

    return register


def facts(session: Session, seqs: Any) -> list[Fact]:
    """The ledger entries whose seqs ``seqs`` (a list or a subquery) names, as facts, in order."""
    rows = session.execute(
        select(
            LedgerEntry.seq,
            LedgerEntry.at,
            LedgerEntry.actor,
            LedgerEntry.type,
            LedgerEntry.payload,
        )
        .where(LedgerEntry.seq.in_(seqs))
        .order_by(LedgerEntry.seq)
    ).all()
    return [
        Fact(seq, at, actor, type_, json.loads(payload)) for seq, at, actor, type_, payload in rows
    ]
