"""Tender web pages: the public notice list and detail (with the bidder's question and objection
forms), the agency console (drafts, documents, filing, publication, notices, objections,
the count of sealed bids from the opening on) and the supervisor's filing queue.

Every action is POST → one service call → flash → redirect (PRG). A refused action (a
DomainError) re-renders the page it came from with the message flashed, the user's input kept, and
the error's HTTP status (4xx).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from bidhall import clock
from bidhall.accounts import services as account_services
from bidhall.accounts.models import Role, User
from bidhall.errors import DomainError, Forbidden, InvalidInput, NotFound
from bidhall.web import actor, flash_refusal, refusal_status, require, user_message
from trading.award import queries as award_queries
from trading.award.forms import BYPASS_REASON_NAMES, AwardObjectionForm
from trading.bids import queries as bids
from trading.complaints import queries as complaint_queries
from trading.complaints.forms import STATE_NAMES as COMPLAINT_STATE_NAMES
from trading.complaints.forms import SUBJECT_NAMES, ComplaintForm
from trading.tenders import notices, rules
from trading.tenders import queries as services
from trading.tenders import retender as retendering
from trading.tenders import services as tender_services
from trading.tenders.forms import (
    CATEGORY_NAMES,
    NOTICE_TYPE_NAMES,
    AnswerForm,
    FilingDecisionForm,
    NoticeForm,
    ObjectionForm,
    QuestionForm,
    TenderForm,
    TerminateForm,
    UploadForm,
    option,
    tender_form_data,
)
from trading.tenders.models import PUBLIC_STATES, Tender
from trading.tenders.schemas import PortalFilter, integer, parse_draft, parse_portal_filter

blueprint = Blueprint("trading", __name__)

MANAGERS = (Role.AGENCY, Role.TENDERER)

# --- URL rules ----------------------------------------------------------------------------------
# public:       GET  /                                   home
#               GET  /tenders/<id>                       tender_detail
# bidder:       POST /tenders/<id>/questions             ask_question
#               POST /tenders/<id>/objections            raise_objection
# (the bidder's bid page is trading/bids/views.py; the opening hall's, trading/opening/views.py)
# agency/tenderer console:
#               GET  /agency/tenders                     console
#               GET/POST /agency/tenders/new             new_tender
#               GET/POST /agency/tenders/<id>/edit       edit_tender
#               GET  /agency/tenders/<id>                manage_tender
#               POST /agency/tenders/<id>/documents      upload_document
#               POST /agency/tenders/<id>/filing         submit_filing
#               POST /agency/tenders/<id>/publish        publish_tender
#               POST /agency/tenders/<id>/terminate      terminate_tender
#               POST /agency/tenders/<id>/retender       retender_tender
#               POST /agency/tenders/<id>/notices        issue_notice
#               POST /agency/tenders/<id>/objections/<objection_id>/answer  answer_objection
# supervisor:   GET  /supervision/filings                filing_queue
#               GET  /supervision/filings/<id>           review_filing
#               POST /supervision/filings/<id>           decide_filing


@blueprint.app_context_processor
def _trading_helpers() -> dict[str, Any]:
    return {"may": may, "region_name": region_name}


def region_name(code: str) -> str:
    """A region's name as the centre configured it, else its code."""
    return services.regions().get(code, code)


def may(action: str, tender: Tender) -> bool:
    """Whether the tender's state allows ``action`` now (to show or hide its button)."""
    try:
        rules.check_action(action, tender.state.value)
    except DomainError:
        return False
    return True


# --- public pages -------------------------------------------------------------------------------


@blueprint.get("/")
def home() -> Any:
    """The public portal: one notice type at a time, searched and filtered by the query string
    (a refused value is shown at its field, with the unfiltered first page and a 400)."""
    regions = services.regions()
    states = [state.value for state in PUBLIC_STATES]
    try:
        wanted = parse_portal_filter(request.args, states, regions)
        error = None
    except InvalidInput as refused:
        wanted, error = PortalFilter(), refused
    return render_template(
        "trading/home.html",
        wanted=wanted,
        page=services.portal(wanted),
        regions=regions,
        states=states,
        notice_types=NOTICE_TYPE_NAMES,
        categories=CATEGORY_NAMES,
        field_error=_portal_field_error(error),
        entered=request.args if error else None,  # the refused input stays in its fields
    ), refusal_status(error)


def _portal_field_error(error: InvalidInput | None) -> dict[str, str]:
    """The refused filter's field and what to do about it, in the page's language."""
    if error is None:
        return {}
    field = error.details.get("field") or "q"
    messages = {
        "from": _("Give the date as YYYY-MM-DD, not after the end of the period."),
        "to": _("Give the date as YYYY-MM-DD."),
        "page": _("Give a page number from 1."),
        "q": _("Search for at most 100 characters of text."),
        "state": _("Choose one of the states offered (tender notices only)."),
    }
    return {field: messages.get(field, _("Choose one of the values offered."))}


@blueprint.get("/tenders/<int:tender_id>")
def tender_detail(tender_id: int) -> Any:
    return render_detail(tender_id)


@blueprint.post("/tenders/<int:tender_id>/questions")
@require(Role.BIDDER)
def ask_question(tender_id: int) -> Any:
    form = QuestionForm(prefix="question")
    try:
        notices.ask_question(actor(), tender_id, form.body.data)
    except DomainError as error:
        return render_detail(tender_id, error)
    flash(
        _(
            "Your question was sent. Its answer will be published as a clarification without "
            "naming you."
        ),
        "success",
    )
    return redirect(url_for("trading.tender_detail", tender_id=tender_id))


@blueprint.post("/tenders/<int:tender_id>/objections")
@require(Role.BIDDER)
def raise_objection(tender_id: int) -> Any:
    form = ObjectionForm(prefix="objection")
    try:
        notices.raise_objection(actor(), tender_id, form.body.data)
    except DomainError as error:
        return render_detail(tender_id, error)
    flash(
        _("Your objection was recorded. The tender is suspended until it is answered."), "success"
    )
    return redirect(url_for("trading.tender_detail", tender_id=tender_id))


def render_detail(
    tender_id: int,
    error: DomainError | None = None,
    objection_form: Any = None,
    complaint_form: Any = None,
) -> Any:
    """The tender's public page; ``objection_form`` keeps a refused objection to the result."""
    user = actor()
    tender = services.get_visible_tender(user, tender_id)
    bidder = user is not None and user.role == Role.BIDDER
    flash_refusal(error)
    awards = [
        {
            "award": award,
            "shown": award_queries.view(user, award),
            "objections": award_queries.objections_of(user, award) if bidder else [],
            "form": objection_form
            if objection_form is not None
            and objection_form._prefix == f"award-objection-{award.id}-"
            else AwardObjectionForm(prefix=f"award-objection-{award.id}"),
        }
        for award in award_queries.awards_of(tender.id)
    ]
    return render_template(
        "trading/detail.html",
        tender=tender,
        manager=services.can_manage(user, tender),
        holder=services.held_by(user, tender.id),
        counts=bids.counts(tender),  # none before the opening (Law Art 22)
        my_questions=services.questions_for(user, tender.id) if bidder else [],
        my_objections=services.objections_for(user, tender.id) if bidder else [],
        rule_set=services.rule_set_of(tender.rule_set),
        question_form=QuestionForm(prefix="question"),
        retender=retendering.links(tender),
        complaints=complaint_queries.published(tender.id),
        my_complaints=complaint_queries.visible(user, tender.id) if bidder else [],
        complaint_form=complaint_form or ComplaintForm(prefix="complaint"),
        complaint_names={"subjects": SUBJECT_NAMES, "states": COMPLAINT_STATE_NAMES},
        objection_form=ObjectionForm(prefix="objection"),
        awards=awards,
        award_objection_refused=objection_form is not None,
        bypass_reason_names=BYPASS_REASON_NAMES,
        may_object_to_result=bidder and award_queries.is_bidder(user, tender.id),
    ), refusal_status(error)


# --- agency console: the list and the draft form ------------------------------------------------


@blueprint.get("/agency/tenders")
@require(*MANAGERS)
def console() -> Any:
    return render_template("trading/console.html", tenders=services.managed_tenders(actor()))


@blueprint.route("/agency/tenders/new", methods=["GET", "POST"])
@require(*MANAGERS)
def new_tender() -> Any:
    user = actor()
    form = TenderForm()
    form.tenderer_id.choices = _tenderer_choices(user)
    form.region.choices = _region_choices()
    if request.method == "POST":
        try:
            tender = tender_services.create_tender(user, parse_draft(form.draft_data()))
        except DomainError as error:
            flash(user_message(error), "danger")
            form.show_at_field(error, user_message(error))
            return render_template(
                "trading/tender_form.html", form=form, tender=None
            ), error.http_status
        flash(_("Draft %(reference)s saved.", reference=tender.reference), "success")
        return redirect(url_for("trading.manage_tender", tender_id=tender.id))
    return render_template("trading/tender_form.html", form=form, tender=None)


@blueprint.route("/agency/tenders/<int:tender_id>/edit", methods=["GET", "POST"])
@require(*MANAGERS)
def edit_tender(tender_id: int) -> Any:
    user = actor()
    tender = _managed(tender_id)
    form = TenderForm() if request.method == "POST" else TenderForm(data=tender_form_data(tender))
    # the tenderer of a tender cannot change
    form.tenderer_id.choices = [option(str(tender.tenderer_id), tender.tenderer.name)]
    form.region.choices = _region_choices()
    if request.method == "POST":
        try:
            tender_services.update_tender(user, tender.id, parse_draft(form.draft_data()))
        except DomainError as error:
            flash(user_message(error), "danger")
            form.show_at_field(error, user_message(error))
            return render_template(
                "trading/tender_form.html", form=form, tender=tender
            ), error.http_status
        flash(_("Draft %(reference)s saved.", reference=tender.reference), "success")
        return redirect(url_for("trading.manage_tender", tender_id=tender.id))
    return render_template("trading/tender_form.html", form=form, tender=tender)


def _region_choices() -> list[Any]:
    """The centre's regions for the tender form ("—": none given); empty: no region field."""
    regions = services.regions()
    if not regions:
        return []
    return [option("", "—"), *(option(code, name) for code, name in regions.items())]


def _tenderer_choices(user: User) -> list[Any]:
    organisations = account_services.list_organisations("tenderer")
    if user.role == Role.TENDERER:
        organisations = [o for o in organisations if o.id == user.organisation_id]
    return [option(str(o.id), o.name) for o in organisations]


# --- agency console: managing one tender --------------------------------------------------------


@blueprint.get("/agency/tenders/<int:tender_id>")
@require(*MANAGERS)
def manage_tender(tender_id: int) -> Any:
    return _render_manage(tender_id)


@blueprint.post("/agency/tenders/<int:tender_id>/documents")
@require(*MANAGERS)
def upload_document(tender_id: int) -> Any:
    upload = UploadForm(prefix="upload").file.data
    try:
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise InvalidInput(_("Choose a file to upload."), code="missing_file", field="file")
        document = tender_services.add_document(
            actor(), tender_id, upload.filename, upload.stream, upload.mimetype
        )
    except DomainError as error:
        return _render_manage(tender_id, error)
    flash(_("Uploaded %(name)s.", name=document.filename), "success")
    return _to_manage(tender_id)


@blueprint.post("/agency/tenders/<int:tender_id>/filing")
@require(*MANAGERS)
def submit_filing(tender_id: int) -> Any:
    try:
        tender_services.submit_for_filing(actor(), tender_id)
    except DomainError as error:
        return _render_manage(tender_id, error)
    flash(_("Submitted to the supervisor for filing."), "success")
    return _to_manage(tender_id)


@blueprint.post("/agency/tenders/<int:tender_id>/publish")
@require(*MANAGERS)
def publish_tender(tender_id: int) -> Any:
    try:
        tender_services.publish_tender(actor(), tender_id)
    except DomainError as error:
        return _render_manage(tender_id, error)
    flash(_("The tender notice is published."), "success")
    return _to_manage(tender_id)


@blueprint.post("/agency/tenders/<int:tender_id>/terminate")
@require(*MANAGERS)
def terminate_tender(tender_id: int) -> Any:
    form = TerminateForm(prefix="terminate")
    try:
        tender_services.terminate_tender(actor(), tender_id, form.reason.data)
    except DomainError as error:
        return _render_manage(tender_id, error)
    flash(_("The tender is terminated."), "success")
    return _to_manage(tender_id)


@blueprint.post("/agency/tenders/<int:tender_id>/retender")
@require(*MANAGERS)
def retender_tender(tender_id: int) -> Any:
    try:
        services.require_manager(actor(), tender_id)
        tender = retendering.retender(actor(), tender_id)
    except DomainError as error:
        return _render_manage(tender_id, error)
    flash(
        _("The failed lots are re-tendered as a new draft: revise it, then file it again."),
        "success",
    )
    return _to_manage(tender.id)


@blueprint.post("/agency/tenders/<int:tender_id>/notices")
@require(*MANAGERS)
def issue_notice(tender_id: int) -> Any:
    form = NoticeForm(prefix="notice")
    try:
        question_id = (
            integer({"question_id": form.question_id.data}, "question_id")
            if form.question_id.data
            else None
        )
        notice = notices.issue_notice(
            actor(),
            tender_id,
            form.kind.data,
            form.title.data,
            form.body.data,
            bool(form.affects_preparation.data),
            question_id,
        )
    except DomainError as error:
        return _render_manage(tender_id, error)
    flash(
        _("The %(kind)s is published to every holder of the documents.", kind=_(notice.kind)),
        "success",
    )
    if notice.moved_deadline:
        flash(
            _(
                "The bid deadline moved to %(deadline)s so that enough time remains (Regs Art 21).",
                deadline=_local_text(notice.deadline_after, notice.tender.timezone),
            ),
            "warning",
        )
    return _to_manage(tender_id)


@blueprint.post("/agency/tenders/<int:tender_id>/objections/<int:objection_id>/answer")
@require(*MANAGERS)
def answer_objection(tender_id: int, objection_id: int) -> Any:
    form = AnswerForm(prefix=f"answer-{objection_id}")
    try:
        if objection_id not in {o.id for o in services.objections_for(actor(), tender_id)}:
            raise NotFound(_("No such objection in this tender."), code="objection_not_found")
        notices.answer_objection(actor(), objection_id, form.answer.data)
    except DomainError as error:
        return _render_manage(tender_id, error)
    flash(_("The objection is answered."), "success")
    return _to_manage(tender_id)


def _local_text(moment: Any, zone: str) -> str:
    return clock.local(moment, zone).strftime("%Y-%m-%d %H:%M")


def _managed(tender_id: int) -> Tender:
    user = actor()
    tender = services.get_visible_tender(user, tender_id)
    if not services.can_manage(user, tender):
        raise Forbidden(_("Only the tenderer or its agency may manage this tender."))
    return tender


def _render_manage(tender_id: int, error: DomainError | None = None) -> Any:
    user = actor()
    tender = _managed(tender_id)
    flash_refusal(error)
    questions = services.questions_for(user, tender.id)
    objections = services.objections_for(user, tender.id)
    notice_form = NoticeForm(prefix="notice")
    notice_form.question_id.choices = [option("", "—")] + [
        option(str(q.id), f"#{q.id} {q.body[:60]}")
        for q in questions
        if q.answered_by_notice_id is None
    ]
    return render_template(
        "trading/manage.html",
        tender=tender,
        questions=questions,
        objections=objections,
        notices_by_id={n.id: n for n in tender.notices},
        filings=services.filing_history(tender.id),
        # counts only, never who, and none before the opening (Law Art 22)
        retender=retendering.links(tender),
        counts=bids.submission_count(user, tender.id),
        rule_set=services.rule_set_of(tender.rule_set),
        upload_form=UploadForm(prefix="upload"),
        notice_form=notice_form,
        terminate_form=TerminateForm(prefix="terminate"),
        answer_forms={o.id: AnswerForm(prefix=f"answer-{o.id}") for o in objections},
    ), refusal_status(error)


def _to_manage(tender_id: int) -> Any:
    return redirect(url_for("trading.manage_tender", tender_id=tender_id))


# --- supervisor: the filing queue ---------------------------------------------------------------


@blueprint.get("/supervision/filings")
@require(Role.SUPERVISOR)
def filing_queue() -> Any:
    return render_template("trading/filing_queue.html", tenders=services.filing_queue(actor()))


@blueprint.get("/supervision/filings/<int:tender_id>")
@require(Role.SUPERVISOR)
def review_filing(tender_id: int) -> Any:
    return _render_review(tender_id)


@blueprint.post("/supervision/filings/<int:tender_id>")
@require(Role.SUPERVISOR)
def decide_filing(tender_id: int) -> Any:
    form = FilingDecisionForm()
    decision = request.form.get("decision")
    try:
        if decision not in ("accept", "return"):
            raise InvalidInput(
                _("Choose to accept or to return the filing."),
                code="invalid_field",
                field="decision",
            )
        tender_services.decide_filing(
            actor(), tender_id, decision == "accept", form.reason.data or ""
        )
    except DomainError as error:
        return _render_review(tender_id, error)
    if decision == "accept":
        flash(_("The filing is accepted: the tender may be published."), "success")
    else:
        flash(_("The filing is returned to the tenderer with your reasons."), "success")
    return redirect(url_for("trading.filing_queue"))


def _render_review(tender_id: int, error: DomainError | None = None) -> Any:
    tender = services.get_visible_tender(actor(), tender_id)
    flash_refusal(error)
    return render_template(
        "trading/filing_review.html",
        tender=tender,
        filings=services.filing_history(tender.id),
        form=FilingDecisionForm(),
    ), refusal_status(error)
