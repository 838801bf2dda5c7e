"""The complaint pages: the supervisors' list with their actions, and the bidder's complaint
posted from the tender's public page. POST → one service call → flash → redirect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from bidhall.accounts.models import Role
from bidhall.errors import DomainError
from bidhall.web import actor, flash_refusal, refusal_status, require
from trading.complaints import queries, services
from trading.complaints.forms import (
    STATE_NAMES,
    SUBJECT_NAMES,
    AcceptForm,
    ComplaintForm,
    DecideForm,
    RefuseForm,
)
from trading.tenders import views as tender_views

blueprint = Blueprint("complaints", __name__)

# --- URL rules ----------------------------------------------------------------------------------
# bidder:       POST /tenders/<id>/complaints                 file
# supervisor:   GET  /supervision/complaints                  desk
#               POST /supervision/complaints/<id>/accept      accept
#               POST /supervision/complaints/<id>/refuse      refuse
#               POST /supervision/complaints/<id>/decide      decide


@blueprint.post("/tenders/<int:tender_id>/complaints")
@require(Role.BIDDER)
def file(tender_id: int) -> Any:
    form = ComplaintForm(prefix="complaint")
    known_on = form.known_on.raw_data[0] if form.known_on.raw_data else ""
    try:
        services.file_complaint(actor(), tender_id, form.subject.data, form.body.data, known_on)
    except DomainError as error:
        form.show_at_field(error, error.message)
        return tender_views.render_detail(tender_id, error, complaint_form=form)
    flash(
        _("Your complaint went to the supervisor, who accepts it or not within 3 working days."),
        "success",
    )
    return redirect(url_for("trading.tender_detail", tender_id=tender_id) + "#complaints")


@blueprint.get("/supervision/complaints")
@require(Role.SUPERVISOR)
def desk() -> Any:
    return _desk()


def _desk(error: DomainError | None = None) -> Any:
    flash_refusal(error)
    return render_template(
        "trading/complaints.html",
        complaints=queries.visible(actor()),
        subjects=SUBJECT_NAMES,
        states=STATE_NAMES,
        accept_form=AcceptForm,
        refuse_form=RefuseForm,
        decide_form=DecideForm,
    ), refusal_status(error)


def _act(action: Any, message: str) -> Any:
    try:
        action()
    except DomainError as error:
        return _desk(error)
    flash(message, "success")
    return redirect(url_for("complaints.desk"))


@blueprint.post("/supervision/complaints/<int:complaint_id>/accept")
@require(Role.SUPERVISOR)
def accept(complaint_id: int) -> Any:
    form = AcceptForm(prefix=f"accept-{complaint_id}")
    return _act(
        lambda: services.accept(actor(), complaint_id, bool(form.suspend.data)),
        _("The complaint is accepted for review."),
    )


@blueprint.post("/supervision/complaints/<int:complaint_id>/refuse")
@require(Role.SUPERVISOR)
def refuse(complaint_id: int) -> Any:
    form = RefuseForm(prefix=f"refuse-{complaint_id}")
    return _act(
        lambda: services.refuse(actor(), complaint_id, form.reason.data),
        _("The complaint is not accepted; the complainant is told why."),
    )


@blueprint.post("/supervision/complaints/<int:complaint_id>/decide")
@require(Role.SUPERVISOR)
def decide(complaint_id: int) -> Any:
    form = DecideForm(prefix=f"decide-{complaint_id}")
    return _act(
        lambda: services.decide(actor(), complaint_id, form.outcome.data, form.decision.data),
        _("The decision is recorded and published."),
    )
