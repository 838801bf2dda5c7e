"""Ledger use cases for the operators' commands: verify the chain and its checkpoints, sign a
checkpoint now, export both for outside verifiers (docs/ledger.md). Each reads or writes in a unit
of its own; the chain and checkpoint modules hold the algorithms."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from audit.ledger import chain, checkpoints
from audit.ledger.checkpoints import CheckpointFinding
from audit.ledger.models import LedgerCheckpoint
from bidhall.db import db


@dataclass(frozen=True)
class LedgerCheck:
    chain: chain.Verification
    checkpoints_checked: int  # 0 when the chain itself is broken: they are not looked at
    checkpoint_problem: CheckpointFinding | None

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.checkpoint_problem is None


def verify() -> LedgerCheck:
    """Recompute the whole hash chain, then check every signed checkpoint against it."""
    result = chain.verify(db.session)
    if not result.ok:
        return LedgerCheck(result, 0, None)
    checked, problem = checkpoints.verify(db.session)
    return LedgerCheck(result, checked, problem)


def sign_checkpoint() -> LedgerCheckpoint | None:
    """Sign a checkpoint of the ledger head now (None on an empty ledger)."""
    with db.transaction() as session:
        return checkpoints.sign_head(session, "manual")


def export_lines() -> Iterator[str]:
    """The committed ledger as JSON Lines, one entry a line."""
    return chain.export(db.session)


def export_checkpoints() -> dict:
    """Every committed checkpoint with its certificate and the CA chain that checks them."""
    return checkpoints.export(db.session)
