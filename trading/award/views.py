"""The award pages: the managers' award page (publish the candidates, answer objections, decide,
record the contract) and the bidder's objection to the result, posted from the tender's public
page. POST → one service call → flash → redirect; a refusal re-renders the page with its status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from bidhall.accounts.models import Role
from bidhall.errors import DomainError, Forbidden
from bidhall.web import actor, flash_refusal, refusal_status, require
from trading.award import queries, services
from trading.award.forms import (
    BYPASS_REASON_NAMES,
    STATE_NAMES,
    AwardAnswerForm,
    AwardObjectionForm,
    ContractForm,
    DecisionForm,
    PublicityForm,
    parse_ballots,
)
from trading.guarantees import security
from trading.guarantees.forms import SECURITY_STATES, KeepForm
from trading.tenders import queries as tenders
from trading.tenders import views as tender_views
from trading.tenders.forms import option

blueprint = Blueprint("award", __name__)

MANAGERS = (Role.AGENCY, Role.TENDERER)
READERS = (*MANAGERS, Role.SUPERVISOR)

# --- URL rules ----------------------------------------------------------------------------------
# managers (and supervisors, reading):
#               GET  /agency/tenders/<id>/award                         award_page
# managers:     POST /agency/awards/<award_id>/publicity                publish
#               POST /agency/awards/<award_id>/objections/<oid>/answer  answer
#               POST /agency/awards/<award_id>/lottery                  commit_lottery
#               POST /agency/awards/<award_id>/decision                 decide
#               POST /agency/awards/<award_id>/contract                 contract
# bidder:       POST /awards/<award_id>/objections                      object


@blueprint.get("/agency/tenders/<int:tender_id>/award")
@require(*READERS)
def award_page(tender_id: int) -> Any:
    return _render(tender_id)


def render_award_page(tender_id: int, error: DomainError | None = None) -> Any:
    """The page re-rendered after a refused action posted from it elsewhere (the bid security's
    claim and keep, trading.guarantees.views)."""
    return _render(tender_id, error)


def _render(tender_id: int, error: DomainError | None = None, forms: dict | None = None) -> Any:
    user = actor()
    tender = tenders.get_visible_tender(user, tender_id)
    if not (tenders.can_manage(user, tender) or user.role == Role.SUPERVISOR):
        raise Forbidden(_("Only the tenderer, its agency and the supervisors see the award."))
    flash_refusal(error)
    awards = queries.awards_of(tender.id)
    given = forms or {}
    pages = []
    for award in awards:
        decision = given.get(("decision", award.id)) or DecisionForm(prefix=f"decision-{award.id}")
        decision.rank.choices = [
            option(str(c["rank"]), f"{c['rank']}. {c['bidder']} — {c['evaluated_price']}")
            for c in award.candidates
        ]
        pages.append(
            {
                "award": award,
                "objections": queries.objections_of(user, award),
                "publicity_form": given.get(("publicity", award.id))
                or PublicityForm(prefix=f"publicity-{award.id}"),
                "decision_form": decision,
                "contract_form": given.get(("contract", award.id))
                or ContractForm(prefix=f"contract-{award.id}"),
                "answer_form": AwardAnswerForm,
            }
        )
    return render_template(
        "trading/award.html",
        tender=tender,
        awards=pages,
        manager=tenders.can_manage(user, tender),
        bypass_reasons=BYPASS_REASON_NAMES,
        state_names=STATE_NAMES,
        security=security.named_security(tender) if tender.was_published else None,
        security_states=SECURITY_STATES,
        keep_form=KeepForm,
    ), refusal_status(error)


def _refused(award_id: int, error: DomainError, kind: str, form: Any) -> Any:
    award = queries.get_award(award_id)
    if form is not None and isinstance(error.details.get("field"), str):
        form.show_at_field(error, error.message)
    return _render(award.tender_id, error, {(kind, award_id): form})


def _done(award_id: int, message: str) -> Any:
    flash(message, "success")
    tender_id = queries.get_award(award_id).tender_id
    return redirect(url_for("award.award_page", tender_id=tender_id))


@blueprint.post("/agency/awards/<int:award_id>/publicity")
@require(*MANAGERS)
def publish(award_id: int) -> Any:
    form = PublicityForm(prefix=f"publicity-{award_id}")
    try:
        queries.require_manager(actor(), award_id)
        services.publish_candidates(
            actor(), award_id, form.days.raw_data[0] if form.days.raw_data else ""
        )
    except DomainError as error:
        return _refused(award_id, error, "publicity", form)
    return _done(award_id, _("The candidates are published."))


@blueprint.post("/agency/awards/<int:award_id>/objections/<int:objection_id>/answer")
@require(*MANAGERS)
def answer(award_id: int, objection_id: int) -> Any:
    form = AwardAnswerForm(prefix=f"answer-{objection_id}")
    try:
        queries.require_manager(actor(), award_id)
        services.answer_objection(actor(), award_id, objection_id, form.answer.data)
    except DomainError as error:
        return _refused(award_id, error, "answer", None)
    return _done(award_id, _("The objection is answered."))


@blueprint.post("/agency/awards/<int:award_id>/decision")
@require(*MANAGERS)
def decide(award_id: int) -> Any:
    form = DecisionForm(prefix=f"decision-{award_id}")
    try:
        queries.require_manager(actor(), award_id)
        services.decide(
            actor(),
            award_id,
            form.rank.data,
            form.reason.data or None,
            form.note.data,
            parse_ballots(form.ballots.data),
        )
    except DomainError as error:
        return _refused(award_id, error, "decision", form)
    return _done(award_id, _("The award is decided: the award and result notices were sent."))


@blueprint.post("/agency/awards/<int:award_id>/lottery")
@require(*MANAGERS)
def commit_lottery(award_id: int) -> Any:
    try:
        queries.require_manager(actor(), award_id)
        services.commit_lottery(actor(), award_id)
    except DomainError as error:
        return _refused(award_id, error, "lottery", None)
    return _done(
        award_id, _("The lottery's seed is committed: its hash is public, the seed at the draw.")
    )


@blueprint.post("/agency/awards/<int:award_id>/contract")
@require(*MANAGERS)
def contract(award_id: int) -> Any:
    form = ContractForm(prefix=f"contract-{award_id}")
    try:
        queries.require_manager(actor(), award_id)
        signed_on = form.signed_on.raw_data[0] if form.signed_on.raw_data else ""
        services.record_contract(
            actor(), award_id, form.amount.data, form.performance_security.data, signed_on
        )
    except DomainError as error:
        return _refused(award_id, error, "contract", form)
    return _done(
        award_id, _("The contract is recorded: the bid securities are due back within 5 days.")
    )


@blueprint.post("/awards/<int:award_id>/objections")
@require(Role.BIDDER)
def object_to_result(award_id: int) -> Any:
    form = AwardObjectionForm(prefix=f"award-objection-{award_id}")
    award = queries.get_award(award_id)
    try:
        services.raise_objection(actor(), award_id, form.body.data)
    except DomainError as error:
        form.show_at_field(error, error.message)
        return tender_views.render_detail(award.tender_id, error, form)
    flash(
        _("Your objection to the result was recorded. The award waits for its answer."), "success"
    )
    return redirect(url_for("trading.tender_detail", tender_id=award.tender_id) + "#award")
