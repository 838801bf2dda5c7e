"""The credit page: the red and black lists in force, for anyone; the supervisors' form to record
a decision and to revoke a list entry. POST → one service call → flash → redirect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from bidhall import config
from bidhall.accounts.models import Role
from bidhall.errors import DomainError
from bidhall.web import actor, flash_refusal, refusal_status, require
from trading.credit import queries, services
from trading.credit.forms import (
    BASIS_NAMES,
    KIND_NAMES,
    SUBJECT_KIND_NAMES,
    DecisionForm,
    RevokeForm,
)

blueprint = Blueprint("credit", __name__)

# --- URL rules ----------------------------------------------------------------------------------
# anyone:       GET  /credit                                  credit_page
# supervisor:   POST /credit/decisions                        record
#               POST /credit/decisions/<id>/revoke            revoke


def _raw(field: Any) -> str:
    return field.raw_data[0] if field.raw_data else ""


@blueprint.get("/credit")
def credit_page() -> Any:
    return _page()


def _page(error: DomainError | None = None, form: DecisionForm | None = None) -> Any:
    flash_refusal(error)
    user = actor()
    supervisor = getattr(user, "role", None) == Role.SUPERVISOR
    return render_template(
        "trading/credit.html",
        lists=queries.lists_in_force(),
        kinds=KIND_NAMES,
        subject_kinds=SUBJECT_KIND_NAMES,
        bases=BASIS_NAMES,
        form=(form or DecisionForm(prefix="decision")) if supervisor else None,
        revoke_form=RevokeForm if supervisor else None,
        zone=config.setting("DEFAULT_TIMEZONE", "Asia/Shanghai"),
    ), refusal_status(error)


@blueprint.post("/credit/decisions")
@require(Role.SUPERVISOR)
def record() -> Any:
    form = DecisionForm(prefix="decision")
    try:
        services.record_decision(
            actor(),
            subject_kind=form.subject_kind.data,
            subject_id=form.subject_id.data,
            kind=form.kind.data,
            points=form.points.data,
            reason=form.reason.data,
            basis_kind=form.basis_kind.data,
            basis_id=form.basis_id.data,
            basis_ref=form.basis_ref.data,
            valid_from=_raw(form.valid_from),
            valid_until=_raw(form.valid_until),
        )
    except DomainError as error:
        form.show_at_field(error, error.message)
        return _page(error, form)
    flash(_("The credit decision is recorded."), "success")
    return redirect(url_for("credit.credit_page"))


@blueprint.post("/credit/decisions/<int:decision_id>/revoke")
@require(Role.SUPERVISOR)
def revoke(decision_id: int) -> Any:
    form = RevokeForm(prefix=f"revoke-{decision_id}")
    try:
        services.revoke_decision(actor(), decision_id, form.reason.data)
    except DomainError as error:
        return _page(error)
    flash(_("The credit decision is revoked."), "success")
    return redirect(url_for("credit.credit_page"))
