"""Tender use cases, one unit of work each, emitting domain events: drafting, documents, filing,
publication, downloads and termination (questions, notices and objections are in
trading.tenders.notices). The actor is always an argument; nothing here reads the request.
Ownership is checked here, so the web, the API and the CLI refuse the same things; the rules
applied are in trading.tenders.rules."""

from __future__ import annotations

import logging
import mimetypes
import re
import secrets
import uuid
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock, storage
from bidhall.accounts.models import Organisation, Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from trading.tenders import rules
from trading.tenders.models import (
    DocumentDownload,
    FilingRecord,
    Lot,
    Notice,
    Participation,
    Tender,
    TenderDocument,
    TenderState,
)
from trading.tenders.queries import (
    PUBLIC_STATES,
    can_manage,
    check_manager,
    load_tender,
    open_objections,
    regions,
    rule_set_of,
)
from trading.tenders.schemas import TenderDraft

logger = logging.getLogger(__name__)


MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


# --- drafting and filing ------------------------------------------------------------------------


def create_tender(actor: User, draft: TenderDraft) -> Tender:
    require_role(actor, Role.AGENCY, Role.TENDERER)
    with db.transaction() as session:
        tenderer = session.get(Organisation, draft.tenderer_id)
        if tenderer is None or tenderer.kind != "tenderer":
            raise InvalidInput(
                f"organisation {draft.tenderer_id} is not a registered tenderer",
                code="invalid_tenderer",
                field="tenderer_id",
            )
        if actor.role == Role.TENDERER and tenderer.id != actor.organisation_id:
            raise Forbidden("a tenderer drafts tenders for its own organisation only")
        now = clock.now()
        tender = Tender(
            reference=uuid.uuid4().hex,  # replaced by the numbered reference once the id exists
            tenderer_id=tenderer.id,
            agency_id=actor.organisation_id if actor.role == Role.AGENCY else None,
            created_by_id=actor.id,
            state=TenderState.DRAFT,
            created_at=now,
        )
        _apply_draft(tender, draft)
        session.add(tender)
        session.flush()
        tender.reference = f"BH-{now.year}-{tender.id:05d}"
        emit(
            "tender.drafted",
            actor,
            tender_id=tender.id,
            reference=tender.reference,
            rule_set=tender.rule_set,
        )
    return tender


def update_tender(actor: User, tender_id: int, draft: TenderDraft) -> Tender:
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        check_manager(actor, tender)
        rules.check_action("edit", tender.state)
        if draft.tenderer_id != tender.tenderer_id:
            raise RuleViolation("the tenderer of a tender cannot change", code="tenderer_fixed")
        _apply_draft(tender, draft)
        emit("tender.edited", actor, tender_id=tender.id)
    return tender


def _apply_draft(tender: Tender, draft: TenderDraft) -> None:
    rs = rule_set_of(draft.rule_set)
    rules.check_lots(rs, draft.lots)
    rules.check_criteria(draft.method, draft.category, draft.rule_set, draft.criteria)
    rules.check_award_method(draft.award_method)
    rules.check_bid_validity(rs, draft.bid_validity_days)
    rules.check_decrypt_window(rs, draft.decrypt_window_minutes)
    try:
        clock.local(clock.now(), draft.timezone)
    except Exception:
        raise InvalidInput(
            f"unknown time zone {draft.timezone!r}", code="invalid_field", field="timezone"
        ) from None
    if draft.region is not None and draft.region not in regions():
        raise InvalidInput(
            f"region: {draft.region!r} is not a region of this centre",
            code="invalid_region",
            field="region",
        )
    tender.region = draft.region
    tender.title = draft.title
    tender.description = draft.description
    tender.qualification = draft.qualification
    tender.rule_set = draft.rule_set
    tender.category = draft.category
    tender.method = draft.method
    tender.award_method = draft.award_method
    tender.criteria = list(draft.criteria)
    tender.bid_validity_days = draft.bid_validity_days
    tender.decrypt_window_minutes = draft.decrypt_window_minutes
    tender.timezone = draft.timezone
    tender.issue_start = draft.issue_start
    tender.issue_end = draft.issue_end
    tender.bid_deadline = draft.bid_deadline
    by_number = {lot.number: lot for lot in tender.lots}
    keep = []
    for terms in draft.lots:
        lot = by_number.get(terms.number) or Lot(number=terms.number)
        lot.title = terms.title
        lot.estimated_price = terms.estimated_price
        lot.ceiling_price = terms.ceiling_price
        lot.guarantee_amount = terms.guarantee_amount
        keep.append(lot)
    tender.lots = keep


def add_document(
    actor: User, tender_id: int, filename: str, stream: BinaryIO, content_type: str | None = None
) -> TenderDocument:
    filename = _safe_filename(filename)
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        check_manager(actor, tender)
        rules.check_action("edit", tender.state)
        # a random part: two documents of one name added in the same instant keep their bytes
        key = (
            f"tenders/{tender.id}/documents/"
            f"{clock.now():%Y%m%d%H%M%S%f}-{secrets.token_hex(6)}-{filename}"
        )
        size, sha256 = storage.get().put(key, stream, max_bytes=MAX_DOCUMENT_BYTES)
        db.after_rollback(lambda: storage.get().delete(key))  # no file without its record
        if size == 0:
            raise InvalidInput("the document is empty", code="empty_file")
        document = TenderDocument(
            filename=filename,
            size=size,
            sha256=sha256,
            storage_key=key,
            content_type=content_type
            or mimetypes.guess_type(filename)[0]
            or "application/octet-stream",
            uploaded_at=clock.now(),
        )
        tender.documents.append(document)
        session.flush()
        emit(
            "tender.document_added",
            actor,
            tender_id=tender.id,
            document_id=document.id,
            sha256=sha256,
            size=size,
        )
    return document


def submit_for_filing(actor: User, tender_id: int) -> FilingRecord:
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        check_manager(actor, tender)
        rules.check_action("submit_filing", tender.state)
        if not tender.documents:
            raise RuleViolation("attach the tender documents before filing", code="no_documents")
        rs = rule_set_of(tender.rule_set)
        rules.check_schedule(rs, tender.issue_start, tender.issue_end, tender.bid_deadline)
        if tender.issue_start < clock.now():
            raise RuleViolation(
                "the planned issue start has passed: move it to the future", code="issue_start_past"
            )
        record = FilingRecord(
            tender_id=tender.id, submitted_by_id=actor.id, submitted_at=clock.now()
        )
        session.add(record)
        tender.state = TenderState.FILING
        session.flush()
        emit("tender.filing_submitted", actor, tender_id=tender.id, filing_id=record.id)
    return record


def decide_filing(actor: User, tender_id: int, accept: bool, reason: str = "") -> FilingRecord:
    require_role(actor, Role.SUPERVISOR)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise InvalidInput(
            "returning a filing needs the reasons", code="reason_required", field="reason"
        )
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        rules.check_action("decide_filing", tender.state)
        record = session.scalar(
            select(FilingRecord).where(
                FilingRecord.tender_id == tender.id, FilingRecord.decided_at.is_(None)
            )
        )
        record.decided_by_id = actor.id
        record.decided_at = clock.now()
        record.decision = "accepted" if accept else "returned"
        record.reason = reason or None
        if accept:
            tender.state = TenderState.FILED
            tender.filed_at = record.decided_at
        else:
            tender.state = TenderState.RETURNED
        emit("tender.filing_" + record.decision, actor, tender_id=tender.id, filing_id=record.id)
    return record


# --- publication --------------------------------------------------------------------------------


def publish_tender(actor: User, tender_id: int) -> Tender:
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        check_manager(actor, tender)
        rules.check_action("publish", tender.state)
        now = clock.now()
        rs = rule_set_of(tender.rule_set)
        issue_start = rules.actual_issue_start(tender.issue_start, now)
        rules.check_schedule(rs, issue_start, tender.issue_end, tender.bid_deadline)
        tender.issue_start = issue_start
        tender.state = TenderState.PUBLISHED
        tender.published_at = now
        # the opening custodians (and their certificates) are fixed with the publication
        from trading.bids import sealing as bids

        bids.assign_custodians(session, tender, actor)
        reschedule(session, tender)
        emit(
            "tender.published",
            actor,
            tender_id=tender.id,
            reference=tender.reference,
            issue_start=tender.issue_start.isoformat(),
            bid_deadline=tender.bid_deadline.isoformat(),
        )
    return tender


def download_document(
    actor: User, tender_id: int, document_id: int
) -> tuple[TenderDocument, BinaryIO]:
    """A registered bidder downloads a document during the download period; its first download
    makes it a holder. The tender's managers and supervisors may read the documents at any time
    (a supervisor reviews them for filing) without that counting as participation."""
    with db.transaction() as session:
        tender = load_tender(session, tender_id)
        document = session.get(TenderDocument, document_id)
        if document is None or document.tender_id != tender.id:
            raise NotFound(f"no document {document_id} in this tender", code="document_not_found")
        if can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR:
            emit("tender.document_read", actor, tender_id=tender.id, document_id=document.id)
            return document, storage.get().open(document.storage_key)
        require_role(actor, Role.BIDDER)
        rules.check_action("download", tender.state)
        rules.check_download_window(tender.issue_start, tender.issue_end, clock.now())
        now = clock.now()
        joined = session.scalar(
            select(Participation).where(
                Participation.tender_id == tender.id,
                Participation.organisation_id == actor.organisation_id,
            )
        )
        if joined is None:
            session.add(
                Participation(
                    tender_id=tender.id,
                    organisation_id=actor.organisation_id,
                    first_download_at=now,
                )
            )
            emit(
                "tender.holder_joined",
                actor,
                tender_id=tender.id,
                organisation_id=actor.organisation_id,
            )
        session.add(
            DocumentDownload(
                document_id=document.id,
                organisation_id=actor.organisation_id,
                user_id=actor.id,
                at=now,
            )
        )
        emit("tender.document_downloaded", actor, tender_id=tender.id, document_id=document.id)
    return document, storage.get().open(document.storage_key)


# --- termination --------------------------------------------------------------------------------


def terminate_tender(actor: User, tender_id: int, reason: str) -> Tender:
    reason = required_text(reason, "reason", 5000)
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        check_manager(actor, tender)
        rules.check_action("terminate", tender.state)
        now = clock.now()
        was_public = tender.state in PUBLIC_STATES
        tender.state = TenderState.TERMINATED
        tender.terminated_at = now
        tender.termination_reason = reason
        tender.next_check_at = None
        if was_public:
            tender.notices.append(
                Notice(
                    kind="termination",
                    title="Termination of the tender",
                    body=reason,
                    issued_by_id=actor.id,
                    issued_at=now,
                )
            )
        # fees, deposits and guarantees are returned/released by the guarantee module on this event
        emit("tender.terminated", actor, tender_id=tender.id, public=was_public)
    return tender


def reschedule(session: Session, tender: Tender) -> None:
    unanswered = open_objections(session, tender.id)
    due = [o.answer_due_at for o in unanswered if not o.overdue_reported]
    tender.next_check_at = rules.next_check(
        tender.state,
        tender.issue_end,
        tender.bid_deadline,
        tender.download_closed_at is not None,
        min(due) if due else None,
    )


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def _safe_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = _UNSAFE.sub("_", name).strip("._")[:120]
    if not cleaned:
        raise InvalidInput("the document needs a file name", code="invalid_filename")
    return cleaned


def required_text(value: str | None, name: str, max_length: int) -> str:
    value = (value or "").strip() if isinstance(value, str | type(None)) else None
    if value is None:
        raise InvalidInput(f"{name} must be text", code="invalid_field", field=name)
    if not value:
        raise InvalidInput(f"{name} is required", code="missing_field", field=name)
    if len(value) > max_length:
        raise InvalidInput(
            f"{name} is longer than {max_length} characters", code="invalid_field", field=name
        )
    return value
