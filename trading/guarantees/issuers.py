"""The issuer registry (banks, insurers and guarantee companies the platform accepts guarantees
from) and the bidders' basic accounts (基本账户) that construction deposits must come from."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select

from bidhall import clock, inputs
from bidhall.accounts.models import Organisation, Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Conflict, InvalidInput, NotFound
from bidhall.events import emit
from trading.guarantees import rules
from trading.guarantees.models import BasicAccount, GuaranteeIssuer

# --- the issuer registry ------------------------------------------------------------------------


def register_issuer(
    actor: User, organisation_id: int, kind: str, licence_number: str
) -> GuaranteeIssuer:
    require_role(actor, Role.ADMIN)
    licence_number = (licence_number or "").strip()
    rules.check_issuer_registration(kind, licence_number)
    with db.transaction() as session:
        org = session.get(Organisation, organisation_id)
        if org is None or org.kind != "issuer":
            raise InvalidInput(
                f"organisation {organisation_id} is not a guarantee issuer organisation",
                code="invalid_issuer_organisation",
                field="organisation_id",
            )
        if session.scalar(
            select(GuaranteeIssuer.id).where(GuaranteeIssuer.organisation_id == org.id)
        ):
            raise Conflict(f"{org.name} is registered already", code="issuer_exists")
        entry = GuaranteeIssuer(
            organisation_id=org.id,
            kind=kind,
            licence_number=licence_number,
            status="active",
            registered_at=clock.now(),
            registered_by_id=actor.id,
        )
        session.add(entry)
        session.flush()
        emit("issuer.registered", actor, issuer_id=entry.id, organisation_id=org.id, kind=kind)
    return entry


def set_issuer_status(actor: User, issuer_id: int, status: str, reason: str) -> GuaranteeIssuer:
    """Suspend a registered issuer (its new guarantees are refused) or reinstate it."""
    require_role(actor, Role.ADMIN)
    if status not in rules.ISSUER_STATUSES:
        raise InvalidInput(
            f"status is one of {', '.join(rules.ISSUER_STATUSES)}",
            code="invalid_field",
            field="status",
        )
    reason = inputs.text(reason, "reason", max_length=2000)
    with db.transaction() as session:
        entry = session.get(GuaranteeIssuer, issuer_id)
        if entry is None:
            raise NotFound(f"no registered issuer {issuer_id}", code="issuer_not_found")
        if entry.status == status:
            raise Conflict(f"the issuer is {status} already", code="invalid_state")
        entry.status = status
        entry.status_reason = reason
        entry.status_changed_at = clock.now()
        emit(
            "issuer.suspended" if status == "suspended" else "issuer.reinstated",
            actor,
            issuer_id=entry.id,
            organisation_id=entry.organisation_id,
        )
    return entry


def list_issuers() -> Sequence[GuaranteeIssuer]:
    return list(db.session.scalars(select(GuaranteeIssuer).order_by(GuaranteeIssuer.id)))


def issuer_of(organisation_id: int) -> GuaranteeIssuer | None:
    return db.session.scalar(
        select(GuaranteeIssuer).where(GuaranteeIssuer.organisation_id == organisation_id)
    )


# --- basic accounts -----------------------------------------------------------------------------


def set_basic_account(
    actor: User, organisation_id: int, account_number: str, account_name: str, bank: str
) -> BasicAccount:
    """Register (or replace) a bidder's basic account (基本账户)."""
    require_role(actor, Role.ADMIN)
    account_number = inputs.text(account_number, "account_number", max_length=40)
    account_name = inputs.text(account_name, "account_name", max_length=200)
    bank = inputs.text(bank, "bank", max_length=200)
    with db.transaction() as session:
        org = session.get(Organisation, organisation_id)
        if org is None or org.kind != "bidder":
            raise NotFound(
                f"no bidder organisation {organisation_id}", code="organisation_not_found"
            )
        account = session.scalar(select(BasicAccount).where(BasicAccount.organisation_id == org.id))
        replaced = account is not None
        if account is None:
            account = BasicAccount(organisation_id=org.id)
            session.add(account)
        account.account_number = account_number
        account.account_name = account_name
        account.bank = bank
        account.registered_at = clock.now()
        account.registered_by_id = actor.id
        session.flush()
        emit(
            "organisation.basic_account_set",
            actor,
            organisation_id=org.id,
            account_sha256=account_digest(account_number),
            replaced=replaced,
        )
    return account


def basic_account_of(organisation_id: int) -> BasicAccount | None:
    return db.session.scalar(
        select(BasicAccount).where(BasicAccount.organisation_id == organisation_id)
    )


def account_digest(number: str) -> str:
    """An account number's digest: events name a payer's account without holding its number."""
    return hashlib.sha256(rules.normal_account(number).encode()).hexdigest()
