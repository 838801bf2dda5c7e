"""The trading JSON API (/api/...): thin — parse, call one service, serialize."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_file, url_for

from bidhall.accounts.models import Role
from bidhall.errors import InvalidInput
from bidhall.web import actor, json_body, require
from trading.tenders import notices, queries, serialize, services
from trading.tenders import retender as retendering
from trading.tenders.models import PUBLIC_STATES
from trading.tenders.schemas import boolean, integer, parse_draft, parse_portal_filter, text

blueprint = Blueprint("trading_api", __name__, url_prefix="/api")

MANAGERS = (Role.AGENCY, Role.TENDERER)


def manages_tender(view: Callable) -> Callable:
    """Authorization before validation: someone who may not manage the tender learns nothing
    about what the request body would have needed."""

    @functools.wraps(view)
    def wrapped(tender_id: int, **kwargs: Any) -> Any:
        queries.require_manager(actor(), tender_id)
        return view(tender_id, **kwargs)

    return wrapped


# --- public -------------------------------------------------------------------------------------


@blueprint.get("/tenders")
def list_tenders() -> Any:
    """The published tenders, newest first, searched and filtered as on the portal (q, category,
    state, region, from, to; a 400 names a refused one) and in pages (page, from 1): the
    X-Total-Count header counts the whole list, a Link header points to the next page."""
    args = request.args.to_dict()
    if args.get("type", "tender") != "tender":
        raise InvalidInput(
            "type: this list holds tender notices only", code="invalid_field", field="type"
        )
    wanted = parse_portal_filter(args, [s.value for s in PUBLIC_STATES], queries.regions())
    page = queries.portal(wanted)
    response = jsonify([serialize.tender_public(t) for t in page.rows])
    response.headers["X-Total-Count"] = str(page.total)
    if page.number < page.pages:
        following = url_for(".list_tenders", **wanted.args(page=page.number + 1))
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@blueprint.get("/tenders/<int:tender_id>")
def show_tender(tender_id: int) -> Any:
    user = actor()
    tender = queries.get_visible_tender(user, tender_id)
    if queries.can_manage(user, tender):
        return jsonify(serialize.tender_managed(tender))
    return jsonify(serialize.tender_public(tender))


# --- drafting and filing ------------------------------------------------------------------------


@blueprint.get("/my/tenders")
@require(*MANAGERS)
def my_tenders() -> Any:
    return jsonify([serialize.tender_managed(t) for t in queries.managed_tenders(actor())])


@blueprint.post("/tenders")
@require(*MANAGERS)
def create_tender() -> Any:
    tender = services.create_tender(actor(), parse_draft(json_body()))
    return jsonify(serialize.tender_managed(tender)), 201


@blueprint.put("/tenders/<int:tender_id>")
@require(*MANAGERS)
@manages_tender
def update_tender(tender_id: int) -> Any:
    tender = services.update_tender(actor(), tender_id, parse_draft(json_body()))
    return jsonify(serialize.tender_managed(tender))


@blueprint.post("/tenders/<int:tender_id>/documents")
@require(*MANAGERS)
@manages_tender
def upload_document(tender_id: int) -> Any:
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput(
            "send the document as multipart form field 'file'", code="missing_file", field="file"
        )
    document = services.add_document(
        actor(), tender_id, upload.filename or "", upload.stream, upload.mimetype
    )
    return jsonify(serialize.document(document)), 201


@blueprint.get("/tenders/<int:tender_id>/documents/<int:document_id>")
@require(Role.BIDDER, Role.SUPERVISOR, *MANAGERS)
def download_document(tender_id: int, document_id: int) -> Any:
    document, stream = services.download_document(actor(), tender_id, document_id)
    return _file_response(document, stream)


@blueprint.post("/tenders/<int:tender_id>/filing")
@require(*MANAGERS)
@manages_tender
def submit_filing(tender_id: int) -> Any:
    record = services.submit_for_filing(actor(), tender_id)
    return jsonify({"filing_id": record.id, "state": record.tender.state.value}), 201


@blueprint.get("/filings")
@require(Role.SUPERVISOR)
def filing_queue() -> Any:
    return jsonify([serialize.tender_managed(t) for t in queries.filing_queue(actor())])


@blueprint.post("/tenders/<int:tender_id>/filing/decision")
@require(Role.SUPERVISOR)
def decide_filing(tender_id: int) -> Any:
    data = json_body()
    decision = text(data, "decision", max_length=20)
    if decision not in ("accept", "return"):
        raise InvalidInput(
            "decision must be accept or return", code="invalid_field", field="decision"
        )
    record = services.decide_filing(
        actor(),
        tender_id,
        decision == "accept",
        text(data, "reason", required=False, max_length=5000),
    )
    return jsonify(
        {"filing_id": record.id, "decision": record.decision, "state": record.tender.state.value}
    )


@blueprint.post("/tenders/<int:tender_id>/publish")
@require(*MANAGERS)
@manages_tender
def publish(tender_id: int) -> Any:
    return jsonify(serialize.tender_managed(services.publish_tender(actor(), tender_id)))


@blueprint.post("/tenders/<int:tender_id>/terminate")
@require(*MANAGERS)
@manages_tender
def terminate(tender_id: int) -> Any:
    data = json_body()
    tender = services.terminate_tender(actor(), tender_id, text(data, "reason", max_length=5000))
    return jsonify(serialize.tender_managed(tender))


@blueprint.post("/tenders/<int:tender_id>/retender")
@require(*MANAGERS)
@manages_tender
def retender(tender_id: int) -> Any:
    """A new draft tendering the failed lots again (Regs Art 44)."""
    tender = retendering.retender(actor(), tender_id)
    return jsonify(serialize.tender_managed(tender)), 201


# --- notices, questions, objections -------------------------------------------------------------


@blueprint.post("/tenders/<int:tender_id>/notices")
@require(*MANAGERS)
@manages_tender
def issue_notice(tender_id: int) -> Any:
    data = json_body()
    question_id = data.get("question_id")
    notice = notices.issue_notice(
        actor(),
        tender_id,
        text(data, "kind", max_length=20),
        text(data, "title", max_length=300),
        text(data, "body", max_length=20000),
        boolean(data, "affects_preparation"),
        integer(data, "question_id") if question_id is not None else None,
    )
    return jsonify(serialize.notice(notice)), 201


@blueprint.get("/tenders/<int:tender_id>/questions")
@require(Role.BIDDER, *MANAGERS)
def list_questions(tender_id: int) -> Any:
    return jsonify([serialize.question(q) for q in queries.questions_for(actor(), tender_id)])


@blueprint.post("/tenders/<int:tender_id>/questions")
@require(Role.BIDDER)
def ask_question(tender_id: int) -> Any:
    question = notices.ask_question(actor(), tender_id, text(json_body(), "body", max_length=5000))
    return jsonify(serialize.question(question)), 201


@blueprint.get("/tenders/<int:tender_id>/objections")
@require(Role.BIDDER, Role.SUPERVISOR, *MANAGERS)
def list_objections(tender_id: int) -> Any:
    return jsonify([serialize.objection(o) for o in queries.objections_for(actor(), tender_id)])


@blueprint.post("/tenders/<int:tender_id>/objections")
@require(Role.BIDDER)
def raise_objection(tender_id: int) -> Any:
    objection = notices.raise_objection(
        actor(), tender_id, text(json_body(), "body", max_length=20000)
    )
    return jsonify(serialize.objection(objection)), 201


@blueprint.post("/objections/<int:objection_id>/answer")
@require(*MANAGERS)
def answer_objection(objection_id: int) -> Any:
    queries.require_objection_manager(actor(), objection_id)
    objection = notices.answer_objection(
        actor(), objection_id, text(json_body(), "answer", max_length=20000)
    )
    return jsonify(serialize.objection(objection))


def _file_response(document: Any, stream: Any) -> Response:
    response = send_file(
        stream,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers["Content-Length"] = str(document.size)
    response.headers["X-Content-SHA256"] = document.sha256
    return response
