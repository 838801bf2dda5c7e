"""The issuer's web page: its registration, its guarantees and a form to paste or upload a signed
guarantee; and ``my_bid_security``, the bidder's security status for templates. Thin, like the
JSON API in api.py.

URL rules
    GET  /issuer/guarantees                            issuer: its guarantees and the paste form
    POST /issuer/guarantees                            issuer: submit a pasted or uploaded file
    GET  /finance                                      admin: the finance officer's desk
    POST /finance/deposits/<id>/refund                 admin: record a refund that was due
    POST /finance/guarantees/<id>/release              admin: record a release that was due
    POST /agency/guarantees/<id>/claim                 the tender's managers: claim (award page)
    POST /agency/deposits/<id>/forfeit                 the tender's managers: keep a deposit
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from bidhall.accounts.models import Role
from bidhall.errors import DomainError, InvalidInput
from bidhall.web import actor, flash_refusal, refusal_status, require, user_message
from trading.guarantees import deposits, documents, finance, issuers, rules, security
from trading.guarantees import services as guarantees
from trading.guarantees.forms import (
    KEEP_TRIGGERS,
    RETURN_REASONS,
    KeepForm,
    RefundForm,
    ReleaseForm,
)

pages = Blueprint("guarantees", __name__)


# --- the issuer's page --------------------------------------------------------------------------


@pages.get("/issuer/guarantees")
@require(Role.ISSUER)
def issuer_page() -> Any:
    return _render_issuer()


@pages.post("/issuer/guarantees")
@require(Role.ISSUER)
def issuer_submit() -> Any:
    pasted = request.form.get("document", "")
    upload = request.files.get("file")
    try:
        raw = upload.read(documents.MAX_DOCUMENT_BYTES * 4 + 1) if upload else b""
        if not raw:
            raw = pasted.encode()
        if not raw.strip():
            raise InvalidInput(
                _("Paste the signed guarantee or choose its file."), code="missing_field"
            )
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(
                _("The signed guarantee is not valid JSON."), code="invalid_guarantee"
            ) from None
        guarantee = guarantees.submit_guarantee(actor(), data)
    except DomainError as error:
        flash(f"{user_message(error)} ({error.code})", "danger")
        return _render_issuer(pasted), error.http_status
    flash(
        _(
            "Guarantee %(number)s is accepted for %(reference)s.",
            number=guarantee.number,
            reference=guarantee.tender.reference,
        ),
        "success",
    )
    return redirect(url_for("guarantees.issuer_page"))


def _render_issuer(pasted: str = "") -> str:
    user = actor()
    return render_template(
        "trading/issuer.html",
        registration=issuers.issuer_of(user.organisation_id),
        guarantees=security.visible_guarantees(user),
        pasted=pasted,
    )


# --- for templates ------------------------------------------------------------------------------


# --- the finance officer's desk -----------------------------------------------------------------


@pages.get("/finance")
@require(Role.ADMIN)
def finance_desk() -> Any:
    return _render_desk()


def _render_desk(error: DomainError | None = None) -> Any:
    desk = finance.desk(actor())
    flash_refusal(error)
    return render_template(
        "trading/finance.html",
        desk=desk,
        refund_form=RefundForm,
        release_form=ReleaseForm,
        reasons=RETURN_REASONS,
        triggers=KEEP_TRIGGERS,
    ), refusal_status(error)


@pages.post("/finance/deposits/<int:deposit_id>/refund")
@require(Role.ADMIN)
def finance_refund(deposit_id: int) -> Any:
    form = RefundForm(prefix=f"refund-{deposit_id}")
    try:
        typed = (form.interest.raw_data or [""])[0].strip()
        if typed and form.interest.process_errors:
            raise InvalidInput(
                _("The interest must be an amount of money, e.g. 12.50."),
                code="invalid_field",
                field="interest",
            )
        deposit = deposits.refund_deposit(
            actor(),
            deposit_id,
            form.bank_reference.data or "",
            form.interest.data if typed else None,
        )
    except DomainError as error:
        return _render_desk(error)
    flash(
        _(
            "Deposit %(id)s refunded to %(bidder)s with %(interest)s of interest.",
            id=deposit.id,
            bidder=deposit.organisation.name,
            interest=deposit.refund_interest,
        ),
        "success",
    )
    return redirect(url_for("guarantees.finance_desk"))


@pages.post("/finance/guarantees/<int:guarantee_id>/release")
@require(Role.ADMIN)
def finance_release(guarantee_id: int) -> Any:
    form = ReleaseForm(prefix=f"release-{guarantee_id}")
    try:
        guarantee = guarantees.release_guarantee(actor(), guarantee_id, form.note.data or "")
    except DomainError as error:
        return _render_desk(error)
    flash(_("Guarantee %(number)s released to its issuer.", number=guarantee.number), "success")
    return redirect(url_for("guarantees.finance_desk"))


# --- the managers' claim and keep, from the award page -----------------------------------------


@pages.post("/agency/guarantees/<int:guarantee_id>/claim")
@require(Role.AGENCY, Role.TENDERER)
def manager_claim(guarantee_id: int) -> Any:
    tender_id = guarantees.require_claimant(actor(), guarantee_id).tender_id
    form = KeepForm(prefix=f"claim-{guarantee_id}")
    return _kept(
        tender_id,
        lambda: guarantees.claim_guarantee(
            actor(), guarantee_id, form.trigger.data or "", form.reason.data or ""
        ),
        _("The claim is recorded and signed to the issuer."),
    )


@pages.post("/agency/deposits/<int:deposit_id>/forfeit")
@require(Role.AGENCY, Role.TENDERER)
def manager_forfeit(deposit_id: int) -> Any:
    tender_id = deposits.require_keeper(actor(), deposit_id).tender_id
    form = KeepForm(prefix=f"keep-{deposit_id}")
    return _kept(
        tender_id,
        lambda: deposits.forfeit_deposit(
            actor(), deposit_id, form.trigger.data or "", form.reason.data or ""
        ),
        _("The deposit is kept; the finance officer no longer owes it back."),
    )


def _kept(tender_id: int, action: Any, message: str) -> Any:
    from trading.award import views as award_views

    try:
        action()
    except DomainError as error:
        return award_views.render_award_page(tender_id, error)
    flash(message, "success")
    return redirect(url_for("award.award_page", tender_id=tender_id) + "#bid-security")


@pages.app_context_processor
def _security_helpers() -> dict[str, Any]:
    return {
        "my_bid_security": my_bid_security,
        "active_issuers": active_issuers,
        "guarantee_needed_until": guarantee_needed_until,
        "deposit_account": {
            key: current_app.config.get(f"DEPOSIT_ACCOUNT_{key.upper()}") or ""
            for key in ("name", "bank", "number")
        },
    }


def active_issuers() -> list[Any]:
    """The registered issuers a bidder may get an e-guarantee from (suspended ones left out)."""
    return [issuer for issuer in issuers.list_issuers() if issuer.status == "active"]


def guarantee_needed_until(tender: Any) -> Any:
    """The date a tender's guarantees must be valid until: its bid validity from the deadline."""
    return rules.guarantee_validity_needed(tender.bid_deadline, tender.bid_validity_days)


def my_bid_security(tender_id: int) -> list[security.Security]:
    """For templates (trading/_guarantee_status.html): the signed-in bidder's security for a
    tender, per lot; nothing for anyone else."""
    user = actor()
    if user is None or user.role != Role.BIDDER:
        return []
    try:
        return security.my_security(user, tender_id)
    except DomainError:
        return []
