"""Cash deposit use cases (投标保证金): record a deposit the platform received, refund it when
due, list them; one transaction each, emitting events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bidhall import clock, config, inputs
from bidhall.accounts.models import Organisation, Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Conflict, InvalidInput
from bidhall.events import emit
from trading.guarantees import rules
from trading.guarantees.issuers import account_digest
from trading.guarantees.models import BasicAccount, Deposit, DepositState
from trading.guarantees.queries import held_deposit, locked_deposit, published_tender
from trading.guarantees.security import names_disclosed

# --- cash deposits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepositPayment:
    tender_id: int
    lot: int
    organisation_id: int
    amount: Decimal
    paid_at: datetime
    payer_account: str
    payer_account_name: str
    payer_bank: str


def record_deposit(actor: User, payment: DepositPayment) -> Deposit:
    """Record a cash deposit the platform received; refused (and nothing recorded) when it is
    late, short or, for construction, not from the bidder's basic account."""
    require_role(actor, Role.ADMIN)
    with db.transaction() as session:
        tender = published_tender(session, payment.tender_id, for_update=True)
        lot = next((lot for lot in tender.lots if lot.number == payment.lot), None)
        if lot is None:
            raise InvalidInput(
                f"tender {tender.reference} has no lot {payment.lot}",
                code="invalid_lot",
                field="lot",
            )
        org = session.get(Organisation, payment.organisation_id)
        if org is None or org.kind != "bidder":
            raise InvalidInput(
                f"organisation {payment.organisation_id} is not a registered bidder",
                code="invalid_field",
                field="organisation_id",
            )
        now = clock.now()
        account = session.scalar(select(BasicAccount).where(BasicAccount.organisation_id == org.id))
        rules.check_deposit(
            tender.rule_set,
            tender.state.value,
            tender.bid_deadline,
            lot.guarantee_amount,
            payment.amount,
            payment.paid_at,
            now,
            payment.payer_account,
            account.account_number if account else None,
        )
        if held_deposit(session, tender.id, lot.number, org.id) is not None:
            raise Conflict(
                "a deposit of this bidder for this lot is held already", code="deposit_exists"
            )
        deposit = Deposit(
            tender_id=tender.id,
            lot_number=lot.number,
            organisation_id=org.id,
            amount=payment.amount,
            paid_at=payment.paid_at,
            payer_account=payment.payer_account,
            payer_account_name=payment.payer_account_name,
            payer_bank=payment.payer_bank,
            recorded_by_id=actor.id,
            recorded_at=now,
            state=DepositState.HELD,
        )
        session.add(deposit)
        session.flush()
        # the account's digest lets the audit layer spot one payer for several bidders
        # (DOMAIN.md §5 bid.same_payer) without the ledger holding account numbers
        emit(
            "deposit.recorded",
            actor,
            deposit_id=deposit.id,
            tender_id=tender.id,
            lot=lot.number,
            organisation_id=org.id,
            payer_account_sha256=account_digest(payment.payer_account),
        )
    return deposit


def refund_deposit(
    actor: User, deposit_id: int, bank_reference: str, interest: Decimal | None = None
) -> Deposit:
    """Record the refund of a deposit due for refund, with the bank interest paid on it: as
    given, or by default computed at the centre's rate (``rules.deposit_interest``)."""
    require_role(actor, Role.ADMIN)
    bank_reference = inputs.text(bank_reference, "bank_reference", max_length=100)
    if interest is not None and interest < 0:
        raise InvalidInput("interest cannot be negative", code="invalid_field", field="interest")
    with db.transaction() as session:
        deposit = locked_deposit(session, deposit_id)
        if deposit.state == DepositState.REFUNDED:
            raise Conflict("this deposit was refunded already", code="already_refunded")
        if deposit.refund_due_at is None:
            raise Conflict(
                "nothing obliges the refund of this deposit yet: it backs a live bid",
                code="no_refund_due",
            )
        now = clock.now()
        if interest is None:
            interest = rules.deposit_interest(
                deposit.amount,
                deposit.paid_at,
                now,
                Decimal(str(config.setting("DEPOSIT_INTEREST_RATE", "0.0035"))),
            )
        deposit.state = DepositState.REFUNDED
        deposit.refunded_at = now
        deposit.refunded_by_id = actor.id
        deposit.refund_bank_reference = bank_reference
        deposit.refund_interest = interest
        emit(
            "deposit.refunded",
            actor,
            deposit_id=deposit.id,
            tender_id=deposit.tender_id,
            reason=deposit.refund_reason,
            interest=str(interest),
            late=rules.is_overdue(deposit.refund_due_at, now),
        )
    return deposit


def list_deposits(actor: User, tender_id: int | None = None) -> Sequence[Deposit]:
    """Every deposit for the platform (it records and refunds them); for supervisors those of
    tenders read out already (a deposit names its bidder, Law Art 22)."""
    require_role(actor, Role.ADMIN, Role.SUPERVISOR)
    query = select(Deposit).order_by(Deposit.id.desc())
    if tender_id is not None:
        query = query.where(Deposit.tender_id == tender_id)
    rows = list(db.session.scalars(query))
    if actor.role == Role.SUPERVISOR:
        return names_disclosed(rows)
    return rows


# --- the refund obligation (the jobs' event handlers open it) -----------------------------------


def schedule_refund(deposit: Deposit, reason: str, at: datetime, actor: Any) -> None:
    """Open the obligation to refund the deposit by the deadline ``reason`` sets, once."""
    if deposit.refund_due_at is not None:
        return
    deposit.refund_reason = reason
    deposit.refund_due_at = rules.return_due(reason, at)
    emit(
        "deposit.refund_due",
        actor,
        deposit_id=deposit.id,
        tender_id=deposit.tender_id,
        reason=reason,
        due_at=deposit.refund_due_at.isoformat(),
    )
