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
from bidhall.errors import Conflict, InvalidInput, NotFound
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
                interest_rate(),
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


def interest_rate() -> Decimal:
    """The centre's yearly rate for the interest a cash refund pays (the PBoC demand-deposit
    benchmark by default)."""
    return Decimal(str(config.setting("DEPOSIT_INTEREST_RATE", "0.0035")))


def require_keeper(actor: User, deposit_id: int) -> Deposit:
    """Refuse early anyone who may not keep this deposit: the tender's managers, once the
    bidders are named (the reading out). To anyone else, and to them before, it does not
    exist, as for a guarantee's claim (``services.require_claimant``, Law Art 22)."""
    from trading.bids.queries import disclosure
    from trading.tenders.queries import can_manage

    deposit = db.session.get(Deposit, deposit_id)
    if (
        deposit is None
        or not can_manage(actor, deposit.tender)
        or not disclosure(deposit.tender).names
    ):
        raise NotFound(f"no deposit {deposit_id}", code="deposit_not_found")
    return deposit


def forfeit_deposit(actor: User, deposit_id: int, trigger: str, reason: str) -> Deposit:
    """The tenderer keeps a cash deposit (不予退还) for one of DOMAIN.md §3's claim triggers:
    a bid withdrawn after the deadline within its validity, a winner refusing the contract or
    the performance security, fraud; the same rule as a claim on a guarantee."""
    from trading.guarantees.services import check_revoked_at_opening

    reason = inputs.text(reason, "reason", max_length=5000)
    with db.transaction() as session:
        deposit = locked_deposit(session, deposit_id)
        require_keeper(actor, deposit.id)
        if deposit.state != DepositState.HELD:
            raise Conflict(
                f"this deposit is {deposit.state.value}: it cannot be kept",
                code=f"deposit_{deposit.state.value}",
            )
        if deposit.refund_due_at is not None:
            raise Conflict(
                f"this deposit is to be refunded ({deposit.refund_reason})",
                code="refund_due",
            )
        tender = deposit.tender
        now = clock.now()
        rules.check_claim(
            trigger,
            deposit.paid_at,
            rules.guarantee_validity_needed(tender.bid_deadline, tender.bid_validity_days),
            tender.bid_deadline,
            now,
        )
        if trigger == "not_decrypted":
            check_revoked_at_opening(session, tender, deposit.lot_number, deposit.organisation_id)
        deposit.state = DepositState.FORFEITED
        deposit.forfeit_trigger = trigger
        deposit.forfeit_reason = reason
        deposit.forfeited_at = now
        deposit.forfeited_by_id = actor.id
        emit(
            "deposit.forfeited",
            actor,
            deposit_id=deposit.id,
            tender_id=deposit.tender_id,
            lot=deposit.lot_number,
            trigger=trigger,
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
