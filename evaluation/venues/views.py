"""The venue check-in page (签到) for the local supervisor: the seats of a committee at its
venue, each checked in (identity confirmed, phone handed in, recusal declaration signed) and
out. Thin: parse the form, call one service, show the result or the refusal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import Optional

from bidhall import config, inputs
from bidhall.accounts.models import Role
from bidhall.errors import DomainError, InvalidInput
from bidhall.forms import PageForm
from bidhall.web import actor, flash_refusal, refusal_status, require
from evaluation.venues import services as venues

blueprint = Blueprint("checkin", __name__)


class CheckInForm(PageForm):
    expert_id = HiddenField()
    identity_confirmed = BooleanField(_l("Identity confirmed"))
    phone_handed_in = BooleanField(_l("Phone handed in"))


class CheckOutForm(PageForm):
    expert_id = HiddenField()
    bids_reviewed = IntegerField(_l("Bids reviewed"), validators=[Optional()])


@blueprint.get("/checkin")
@require(Role.SUPERVISOR)
def checkin_list() -> Any:
    return render_template(
        "evaluation/checkin_list.html",
        draws=venues.venues_supervised(actor()),
        zone=config.current().get("DEFAULT_TIMEZONE", "Asia/Shanghai"),
    )


@blueprint.get("/checkin/draws/<int:draw_id>")
@require(Role.SUPERVISOR)
def checkin_page(draw_id: int) -> Any:
    return _render(draw_id)


@blueprint.post("/checkin/draws/<int:draw_id>/arrive")
@require(Role.SUPERVISOR)
def arrive(draw_id: int) -> Any:
    form = CheckInForm()
    try:
        venues.check_in(
            actor(),
            draw_id,
            _expert_id(form.expert_id.data),
            bool(form.identity_confirmed.data),
            bool(form.phone_handed_in.data),
        )
    except DomainError as error:
        return _render(draw_id, error)
    flash(_("The expert is checked in."), "success")
    return redirect(url_for("checkin.checkin_page", draw_id=draw_id))


@blueprint.post("/checkin/draws/<int:draw_id>/leave")
@require(Role.SUPERVISOR)
def leave(draw_id: int) -> Any:
    form = CheckOutForm()
    try:
        raw = request.form.get("bids_reviewed", "").strip()
        try:
            reviewed = inputs.optional_integer(raw, "bids_reviewed")
        except InvalidInput:
            raise InvalidInput(
                _("Bids reviewed must be a whole number."), field="bids_reviewed"
            ) from None
        venues.check_out(actor(), draw_id, _expert_id(form.expert_id.data), reviewed)
    except DomainError as error:
        return _render(draw_id, error)
    flash(_("The expert is checked out."), "success")
    return redirect(url_for("checkin.checkin_page", draw_id=draw_id))


def _expert_id(value: Any) -> int:
    try:
        return inputs.identifier(value, "expert_id")
    except InvalidInput:
        raise InvalidInput(_("Choose an expert."), field="expert_id") from None


def _render(draw_id: int, error: DomainError | None = None) -> Any:
    draw, seats = venues.roster(actor(), draw_id)
    flash_refusal(error)
    return render_template(
        "evaluation/checkin.html",
        draw=draw,
        seats=seats,
        checkin_form=CheckInForm(formdata=None),
        checkout_form=CheckOutForm(formdata=None),
        zone=config.current().get("DEFAULT_TIMEZONE", "Asia/Shanghai"),
    ), refusal_status(error)
