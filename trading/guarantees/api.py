"""Bid security over the JSON API: the issuer registry, e-guarantees (submitted by the issuers'
systems), cash deposits, basic accounts, claims, releases and refunds. Thin: parse, call one use
case of trading.guarantees, shape the answer. The issuer's page is in views.py.

URL rules
    GET  /api/issuers                                  everyone: the registry
    POST /api/issuers                                  admin: register an issuer organisation
    POST /api/issuers/<id>/status                      admin: suspend or reinstate
    PUT  /api/organisations/<id>/basic-account         admin: a bidder's basic account (基本账户)
    POST /api/guarantees                               issuer: a signed bidhall-guarantee/1
    GET  /api/guarantees                               issuer (its own), admin; supervisor (of
                                                       tenders read out)
    GET  /api/guarantees/<id>                          its issuer, applicant, admin; supervisors
                                                       and the tender's managers from the
                                                       reading out (Law Art 22)
    POST /api/guarantees/<id>/claims                   the tender's managers: a claim (索赔)
    POST /api/guarantees/<id>/release                  admin: record a release that was due
    GET  /api/guarantees/<id>/notices                  those who see the guarantee: the release
                                                       and claims signed to its issuer
    GET  /api/tenders/<id>/guarantee                   bidder: its own security, per lot
    GET  /api/tenders/<id>/guarantees/summary          managers, supervisors: nothing before
                                                       the opening, counts from it, the
                                                       guarantees from the reading out
    POST /api/deposits                                 admin: record a cash deposit
    GET  /api/deposits                                 admin; supervisor (of tenders read out)
    POST /api/deposits/<id>/refund                     admin: record a refund that was due
    POST /api/deposits/<id>/forfeit                    the tender's managers: keep it for a
                                                       claim trigger (不予退还)
    GET  /api/finance/due                              admin: what is due back, overdue marked,
                                                       and the last 30 days' returns and keeps
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from bidhall.accounts.models import Role
from bidhall.web import actor, json_body, query_integer, require
from trading.guarantees import deposits, finance, issuers, security
from trading.guarantees import services as guarantees
from trading.guarantees.models import Deposit, Guarantee, GuaranteeIssuer
from trading.tenders import serialize
from trading.tenders.schemas import integer, moment, money, text

blueprint = Blueprint("guarantees_api", __name__, url_prefix="/api")

MANAGERS = (Role.AGENCY, Role.TENDERER)


# --- the issuer registry and basic accounts -----------------------------------------------------


@blueprint.get("/issuers")
def list_issuers() -> Any:
    return jsonify([_issuer(entry) for entry in issuers.list_issuers()])


@blueprint.post("/issuers")
@require(Role.ADMIN)
def register_issuer() -> Any:
    data = json_body()
    entry = issuers.register_issuer(
        actor(),
        integer(data, "organisation_id"),
        text(data, "kind", max_length=30),
        text(data, "licence_number", max_length=60),
    )
    return jsonify(_issuer(entry)), 201


@blueprint.post("/issuers/<int:issuer_id>/status")
@require(Role.ADMIN)
def set_issuer_status(issuer_id: int) -> Any:
    data = json_body()
    entry = issuers.set_issuer_status(
        actor(),
        issuer_id,
        text(data, "status", max_length=20),
        text(data, "reason", max_length=2000),
    )
    return jsonify(_issuer(entry))


@blueprint.put("/organisations/<int:organisation_id>/basic-account")
@require(Role.ADMIN)
def set_basic_account(organisation_id: int) -> Any:
    data = json_body()
    account = issuers.set_basic_account(
        actor(),
        organisation_id,
        text(data, "account_number", max_length=40),
        text(data, "account_name", max_length=200),
        text(data, "bank", max_length=200),
    )
    return jsonify(
        {
            "organisation_id": account.organisation_id,
            "account_number": account.account_number,
            "account_name": account.account_name,
            "bank": account.bank,
            "registered_at": account.registered_at.isoformat(),
        }
    )


# --- e-guarantees -------------------------------------------------------------------------------


@blueprint.post("/guarantees")
@require(Role.ISSUER)
def submit_guarantee() -> Any:
    guarantee = guarantees.submit_guarantee(actor(), json_body())
    return jsonify(guarantee_json(guarantee)), 201


@blueprint.get("/guarantees")
@require(Role.ISSUER, Role.SUPERVISOR, Role.ADMIN)
def list_guarantees() -> Any:
    tender_id = query_integer("tender_id")
    return jsonify([guarantee_json(g) for g in security.visible_guarantees(actor(), tender_id)])


@blueprint.get("/guarantees/<int:guarantee_id>")
@require(Role.ISSUER, Role.BIDDER, Role.SUPERVISOR, Role.ADMIN, *MANAGERS)
def show_guarantee(guarantee_id: int) -> Any:
    return jsonify(guarantee_json(security.get_guarantee(actor(), guarantee_id)))


@blueprint.post("/guarantees/<int:guarantee_id>/claims")
@require(*MANAGERS)
def claim(guarantee_id: int) -> Any:
    guarantees.require_claimant(actor(), guarantee_id)  # authorize before reading the body
    data = json_body()
    claim = guarantees.claim_guarantee(
        actor(),
        guarantee_id,
        text(data, "trigger", max_length=40),
        text(data, "reason", max_length=5000),
    )
    return jsonify(_claim(claim) | {"guarantee_id": guarantee_id}), 201


@blueprint.get("/guarantees/<int:guarantee_id>/notices")
@require(Role.ISSUER, Role.BIDDER, Role.SUPERVISOR, Role.ADMIN, *MANAGERS)
def guarantee_notices(guarantee_id: int) -> Any:
    guarantee = security.get_guarantee(actor(), guarantee_id)
    return jsonify(security.notices_of(guarantee))


@blueprint.post("/guarantees/<int:guarantee_id>/release")
@require(Role.ADMIN)
def release(guarantee_id: int) -> Any:
    data = request.get_json(silent=True) or {}
    note = text(data, "note", required=False, max_length=5000) if isinstance(data, dict) else ""
    return jsonify(guarantee_json(guarantees.release_guarantee(actor(), guarantee_id, note)))


@blueprint.get("/tenders/<int:tender_id>/guarantee")
@require(Role.BIDDER)
def my_security(tender_id: int) -> Any:
    user = actor()
    return jsonify(
        {
            "tender_id": tender_id,
            "organisation_id": user.organisation_id,
            "lots": [_security_json(s) for s in security.my_security(user, tender_id)],
        }
    )


@blueprint.get("/tenders/<int:tender_id>/guarantees/summary")
@require(Role.SUPERVISOR, *MANAGERS)
def security_summary(tender_id: int) -> Any:
    summary = security.security_summary(actor(), tender_id)
    data: dict[str, Any] = {
        "tender_id": summary.tender_id,
        "disclosure": serialize.disclosure(summary.shown, summary.opening),
        "lots": [
            {
                "lot": lot.lot,
                "sealed_bids": lot.sealed_bids,
                "secured": lot.secured,
                "secured_by_guarantee": lot.secured_by_guarantee,
                "secured_by_deposit": lot.secured_by_deposit,
                "unsecured": lot.unsecured,
            }
            for lot in summary.lots
        ],
    }
    if summary.guarantees is not None:
        data["guarantees"] = [guarantee_json(g) for g in summary.guarantees]
        data["deposits"] = [deposit_json(d) for d in summary.deposits]
    return jsonify(data)


# --- cash deposits ------------------------------------------------------------------------------


@blueprint.post("/deposits")
@require(Role.ADMIN)
def record_deposit() -> Any:
    data = json_body()
    deposit = deposits.record_deposit(
        actor(),
        deposits.DepositPayment(
            tender_id=integer(data, "tender_id"),
            lot=integer(data, "lot", default=1),
            organisation_id=integer(data, "organisation_id"),
            amount=money(data, "amount"),
            paid_at=moment(data, "paid_at"),
            payer_account=text(data, "payer_account", max_length=40),
            payer_account_name=text(data, "payer_account_name", max_length=200),
            payer_bank=text(data, "payer_bank", max_length=200),
        ),
    )
    return jsonify(deposit_json(deposit)), 201


@blueprint.get("/deposits")
@require(Role.ADMIN, Role.SUPERVISOR)
def list_deposits() -> Any:
    return jsonify(
        [deposit_json(d) for d in deposits.list_deposits(actor(), query_integer("tender_id"))]
    )


@blueprint.post("/deposits/<int:deposit_id>/refund")
@require(Role.ADMIN)
def refund_deposit(deposit_id: int) -> Any:
    data = json_body()
    # omitted: the bank interest computed at the centre's rate
    interest = money(data, "interest") if data.get("interest") not in (None, "") else None
    deposit = deposits.refund_deposit(
        actor(), deposit_id, text(data, "bank_reference", max_length=100), interest
    )
    return jsonify(deposit_json(deposit))


@blueprint.post("/deposits/<int:deposit_id>/forfeit")
@require(*MANAGERS)
def forfeit_deposit(deposit_id: int) -> Any:
    deposits.require_keeper(actor(), deposit_id)  # authorize before reading the body
    data = json_body()
    deposit = deposits.forfeit_deposit(
        actor(),
        deposit_id,
        text(data, "trigger", max_length=40),
        text(data, "reason", max_length=5000),
    )
    return jsonify(deposit_json(deposit))


@blueprint.get("/finance/due")
@require(Role.ADMIN)
def finance_due() -> Any:
    desk = finance.desk(actor())
    return jsonify(
        {
            "as_of": desk.now.isoformat(),
            "overdue": desk.overdue,
            "deposits": [
                deposit_json(row.deposit)
                | {"overdue": row.overdue, "interest_today": str(row.interest_today)}
                for row in desk.deposits
            ],
            "guarantees": [
                guarantee_json(row.guarantee) | {"overdue": row.overdue} for row in desk.guarantees
            ],
            "refunded": [deposit_json(d) for d in desk.refunded],
            "released": [guarantee_json(g) for g in desk.released],
            "forfeited": [deposit_json(d) for d in desk.forfeited],
            "claimed": [
                _claim(c) | {"guarantee_id": c.guarantee_id, "tender_id": c.guarantee.tender_id}
                for c in desk.claimed
            ],
        }
    )


# --- JSON shapes --------------------------------------------------------------------------------


def guarantee_json(guarantee: Guarantee) -> dict[str, Any]:
    return {
        "id": guarantee.id,
        "number": guarantee.number,
        "kind": guarantee.kind,
        "issuer": {
            "organisation_id": guarantee.issuer_organisation_id,
            "name": guarantee.issuer.name,
        },
        "applicant": {
            "organisation_id": guarantee.applicant_organisation_id,
            "name": guarantee.applicant.name,
        },
        "beneficiary": {"organisation_id": guarantee.beneficiary_organisation_id},
        "tender": {"id": guarantee.tender_id, "reference": guarantee.tender.reference},
        "lot": guarantee.lot_number,
        "amount": str(guarantee.amount),
        "currency": guarantee.currency,
        "valid_from": guarantee.valid_from.isoformat(),
        "valid_until": guarantee.valid_until.isoformat(),
        "state": guarantee.state.value,
        "received_at": guarantee.received_at.isoformat(),
        "document_sha256": guarantee.document_sha256,
        "bid_id": guarantee.bid_id,
        "superseded_by": guarantee.superseded_by_id,
        "release": {
            "reason": guarantee.release_reason,
            "due_at": _iso(guarantee.release_due_at),
            "released_at": _iso(guarantee.released_at),
        },
        "claims": [_claim(c) for c in guarantee.claims],
    }


def deposit_json(deposit: Deposit) -> dict[str, Any]:
    return {
        "id": deposit.id,
        "tender_id": deposit.tender_id,
        "lot": deposit.lot_number,
        "organisation": {"id": deposit.organisation_id, "name": deposit.organisation.name},
        "amount": str(deposit.amount),
        "paid_at": deposit.paid_at.isoformat(),
        "payer_account": deposit.payer_account,
        "payer_account_name": deposit.payer_account_name,
        "payer_bank": deposit.payer_bank,
        "state": deposit.state.value,
        "refund": {
            "reason": deposit.refund_reason,
            "due_at": _iso(deposit.refund_due_at),
            "refunded_at": _iso(deposit.refunded_at),
            "bank_reference": deposit.refund_bank_reference,
            "interest": str(deposit.refund_interest)
            if deposit.refund_interest is not None
            else None,
        },
        "forfeit": {
            "trigger": deposit.forfeit_trigger,
            "reason": deposit.forfeit_reason,
            "forfeited_at": _iso(deposit.forfeited_at),
        }
        if deposit.forfeited_at is not None
        else None,
    }


def _security_json(entry: security.Security) -> dict[str, Any]:
    return {
        "lot": entry.lot,
        "bid_id": entry.bid_id,
        "secured": entry.secured,
        "guarantee_id": entry.guarantee.id if entry.guarantee else None,
        "guarantee_covers_validity": entry.covers,
        "deposit_id": entry.deposit.id if entry.deposit else None,
        "guarantees": [guarantee_json(g) for g in entry.guarantees],
        "deposits": [deposit_json(d) for d in entry.deposits],
    }


def _issuer(entry: GuaranteeIssuer) -> dict[str, Any]:
    return {
        "id": entry.id,
        "organisation_id": entry.organisation_id,
        "name": entry.organisation.name,
        "kind": entry.kind,
        "licence_number": entry.licence_number,
        "status": entry.status,
        "registered_at": entry.registered_at.isoformat(),
    }


def _claim(claim: Any) -> dict[str, Any]:
    return {
        "id": claim.id,
        "trigger": claim.trigger,
        "reason": claim.reason,
        "amount": str(claim.amount),
        "claimed_at": claim.claimed_at.isoformat(),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
