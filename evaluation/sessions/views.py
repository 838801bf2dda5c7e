"""The live evaluation session's page (远程异地评标) and the bidder's clarifications page.

- ``GET  /evaluation/<id>``                                  the session, for its members (checked
                                                             in) and the supervisors
- ``GET  /my/clarifications``                                the committee's questions to the
                                                             bidder's organisation
- ``POST /my/clarifications/<session id>/<number>/answer``   the bidder's answer (a form)

The session page is rendered from the state the session's room gives this caller
(``room.enter`` + ``room.snapshot``: the same refusals as the API) with the messages so far;
static/js/evaluation.js then follows it live over the ``/evaluation`` Socket.IO namespace (or by
polling the JSON API when Socket.IO cannot connect) and sends the commands. The bidder's page is
POST → one service call → flash → redirect; a refused answer re-renders the page with the
message and the refusal's status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from bidhall import clock, config
from bidhall.accounts.models import Role
from bidhall.errors import DomainError, InvalidInput
from bidhall.forms import PageForm
from bidhall.web import actor, flash_refusal, refusal_status, require
from evaluation.sessions import clarifications, room

blueprint = Blueprint("evaluation_pages", __name__)


def _moment(value: str | None, zone: str) -> str:
    """An ISO time of the state as the page writes times (2026-03-01 10:00:00, local)."""
    if not value:
        return "—"
    return clock.local(datetime.fromisoformat(value), zone).strftime("%Y-%m-%d %H:%M:%S")


def _amount(value: str | None) -> str:
    """A decimal string with thousands separators, its decimals as given (1234567.50 ->
    1,234,567.50), as static/js/evaluation.js writes it."""
    if not value:
        return "—"
    try:
        return format(Decimal(value), ",")
    except (InvalidOperation, ValueError):
        return value


def _zone() -> str:
    return config.current().get("DEFAULT_TIMEZONE", "Asia/Shanghai")


# --- the session --------------------------------------------------------------------------------


@blueprint.get("/evaluation/<int:session_id>")
@require()
def session_page(session_id: int) -> Any:
    user = actor()
    role, member, key = room.enter(user, session_id)
    state = room.snapshot(user, role, member, key)
    zone = _zone()
    return render_template(
        "evaluation/session.html",
        state=state,
        messages=room.MESSAGES.after(key, 0),
        zone=zone,
        at=lambda value: _moment(value, zone),
        amount=_amount,
    )


# --- the bidder's clarifications ----------------------------------------------------------------


class AnswerForm(PageForm):
    answer = TextAreaField(_l("Your answer"))


# the refusals of an answer in the words of this page (the catalog's texts under these codes
# speak of objections to the tender documents)
ANSWER_REFUSALS = {
    "clarification_already_answered": _l("This question is answered already."),
    "clarification_overdue": _l("The time set for the answer has passed."),
    "clarification_not_found": _l("There is no such question for you."),
    "session_suspended": _l("The evaluation is suspended: answers are taken once it resumes."),
    "session_terminated": _l("The evaluation was terminated."),
    "session_finished": _l("The evaluation is finished."),
}


def _prefix(session_id: int, number: int) -> str:
    return f"answer-{session_id}-{number}"


@blueprint.get("/my/clarifications")
@require(Role.BIDDER)
def my_clarifications() -> Any:
    return _render_clarifications()


@blueprint.post("/my/clarifications/<int:session_id>/<int:number>/answer")
@require(Role.BIDDER)
def answer_clarification(session_id: int, number: int) -> Any:
    form = AnswerForm(prefix=_prefix(session_id, number))
    text = (form.answer.data or "").strip()
    try:
        if not text:
            # a shape check: its message is in the page's language already
            raise InvalidInput(_("Write your answer first."), code="answer_missing", field="answer")
        if len(text) > clarifications.MAX_ANSWER:
            raise InvalidInput(
                _("An answer has at most %(count)s characters.", count=clarifications.MAX_ANSWER),
                code="answer_too_long",
                field="answer",
            )
        clarifications.answer(actor(), session_id, number, text)
    except DomainError as error:
        return _render_clarifications(error, (session_id, number), form)
    flash(_("Your answer is sent to the evaluation committee."), "success")
    return redirect(url_for("evaluation_pages.my_clarifications"))


def _render_clarifications(
    error: DomainError | None = None,
    failed: tuple[int, int] | None = None,
    failed_form: AnswerForm | None = None,
) -> Any:
    rows = clarifications.my_clarifications(actor())
    forms = {
        (row["session_id"], row["number"]): (
            failed_form
            if (row["session_id"], row["number"]) == failed
            else AnswerForm(prefix=_prefix(row["session_id"], row["number"]), formdata=None)
        )
        for row in rows
        if row["open"]
    }
    if error is not None and error.code in ANSWER_REFUSALS:
        flash(str(ANSWER_REFUSALS[error.code]), "danger")
    else:
        flash_refusal(error)
    zone = _zone()
    return render_template(
        "evaluation/clarifications.html",
        rows=rows,
        forms=forms,
        max_answer=clarifications.MAX_ANSWER,
        at=lambda value: _moment(value, zone),
    ), refusal_status(error)
