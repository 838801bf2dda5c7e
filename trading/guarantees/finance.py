"""The finance officer's desk (财务): what the platform owes back, by when, and what it kept.

The platform's finance officers (role ``admin``) refund cash deposits and release guarantees
within 5 days of what obliges it (Regs Art 31, 35, 57); this is their work list, oldest
obligation first, with what is overdue marked, and the deposits and guarantees kept for a claim
trigger. A read: the refunds and releases themselves are ``deposits.refund_deposit`` and
``services.release_guarantee``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from trading.guarantees import rules
from trading.guarantees.deposits import interest_rate
from trading.guarantees.models import (
    Deposit,
    DepositState,
    Guarantee,
    GuaranteeClaim,
    GuaranteeState,
)

# how far back the desk shows what was done (refunded, released, kept)
RECENT = timedelta(days=30)


@dataclass(frozen=True)
class DueDeposit:
    deposit: Deposit
    overdue: bool
    interest_today: Decimal  # what the refund pays if recorded now, at the centre's rate


@dataclass(frozen=True)
class DueGuarantee:
    guarantee: Guarantee
    overdue: bool


@dataclass(frozen=True)
class Desk:
    now: datetime
    deposits: list[DueDeposit]
    guarantees: list[DueGuarantee]
    refunded: list[Deposit]
    released: list[Guarantee]
    forfeited: list[Deposit]
    claimed: list[GuaranteeClaim]

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.deposits) + sum(
            row.overdue for row in self.guarantees
        )


def desk(actor: User) -> Desk:
    """Everything due back and not yet returned, and the last 30 days' returns and keeps."""
    require_role(actor, Role.ADMIN)
    now = clock.now()
    since = now - RECENT
    rate = interest_rate()
    session = db.session
    deposits = session.scalars(
        select(Deposit)
        .where(Deposit.state == DepositState.HELD, Deposit.refund_due_at.is_not(None))
        .order_by(Deposit.refund_due_at, Deposit.id)
    )
    guarantees = session.scalars(
        select(Guarantee)
        .where(
            Guarantee.state.in_([GuaranteeState.ACTIVE, GuaranteeState.SUPERSEDED]),
            Guarantee.release_due_at.is_not(None),
            Guarantee.released_at.is_(None),
        )
        .order_by(Guarantee.release_due_at, Guarantee.id)
    )
    return Desk(
        now=now,
        deposits=[
            DueDeposit(
                deposit=d,
                overdue=rules.is_overdue(d.refund_due_at, now),
                interest_today=rules.deposit_interest(d.amount, d.paid_at, now, rate),
            )
            for d in deposits
        ],
        guarantees=[
            DueGuarantee(guarantee=g, overdue=rules.is_overdue(g.release_due_at, now))
            for g in guarantees
        ],
        refunded=list(
            session.scalars(
                select(Deposit)
                .where(Deposit.state == DepositState.REFUNDED, Deposit.refunded_at >= since)
                .order_by(Deposit.refunded_at.desc())
            )
        ),
        released=list(
            session.scalars(
                select(Guarantee)
                .where(Guarantee.state == GuaranteeState.RELEASED, Guarantee.released_at >= since)
                .order_by(Guarantee.released_at.desc())
            )
        ),
        forfeited=list(
            session.scalars(
                select(Deposit)
                .where(Deposit.state == DepositState.FORFEITED, Deposit.forfeited_at >= since)
                .order_by(Deposit.forfeited_at.desc())
            )
        ),
        claimed=list(
            session.scalars(
                select(GuaranteeClaim)
                .where(GuaranteeClaim.claimed_at >= since)
                .order_by(GuaranteeClaim.claimed_at.desc())
            )
        ),
    )
