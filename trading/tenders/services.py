"""Tender use cases: one function per user action, one transaction each, each emitting events.

The actor is always an argument; nothing here reads the request. Ownership is checked here, so
the web, the API and the CLI refuse the same things.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock, config, storage
from bidhall.accounts.models import Organisation, Role, User
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from trading.tenders import rules
from trading.tenders.models import (
    DocumentDownload,
    FilingRecord,
    Lot,
    Notice,
    Objection,
    Participation,
    Question,
    Tender,
    TenderDocument,
    TenderState,
)
from trading.tenders.schemas import TenderDraft

logger = logging.getLogger(__name__)

PUBLIC_STATES = (
    TenderState.PUBLISHED,
    TenderState.SUSPENDED,
    TenderState.CLOSED,
    TenderState.OPENED,
    TenderState.FAILED,
    TenderState.TERMINATED,
)
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


def rule_set_of(name: str) -> rules.RuleSet:
    return rules.rule_set(name, config.current().get("RULE_SET_OVERRIDES"))


# --- authorization helpers ----------------------------------------------------------------------


def can_manage(user: User | None, tender: Tender) -> bool:
    """The agency running the tender, or the tenderer's own staff."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.AGENCY:
        return tender.agency_id == user.organisation_id
    if user.role == Role.TENDERER:
        return tender.tenderer_id == user.organisation_id
    return False


def _require_manager(user: User, tender: Tender) -> None:
    if not can_manage(user, tender):
        raise Forbidden("only the tenderer or its agency may manage this tender")


def require_manager(user: User, tender_id: int) -> Tender:
    """Refuse early (before the request body is even read) anyone who may not manage the tender.
    The use case checks again inside its transaction."""
    tender = get_tender(tender_id)
    _require_manager(user, tender)
    return tender


def require_objection_manager(user: User, objection_id: int) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(f"no objection {objection_id}", code="objection_not_found")
    _require_manager(user, objection.tender)
    return objection


def _require_role(user: User, *roles: Role) -> None:
    if user is None or user.role not in roles:
        names = " or ".join(r.value for r in roles)
        raise Forbidden(f"this needs the {names} role")


def _load(session: Session, tender_id: int, *, for_update: bool = False) -> Tender:
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


# --- drafting and filing ------------------------------------------------------------------------


def create_tender(actor: User, draft: TenderDraft) -> Tender:
    _require_role(actor, Role.AGENCY, Role.TENDERER)
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
        tender = _load(session, tender_id, for_update=True)
        _require_manager(actor, tender)
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
    rules.check_bid_validity(rs, draft.bid_validity_days)
    rules.check_decrypt_window(rs, draft.decrypt_window_minutes)
    try:
        clock.local(clock.now(), draft.timezone)
    except Exception:
        raise InvalidInput(
            f"unknown time zone {draft.timezone!r}", code="invalid_field", field="timezone"
        ) from None
    tender.title = draft.title
    tender.description = draft.description
    tender.qualification = draft.qualification
    tender.rule_set = draft.rule_set
    tender.category = draft.category
    tender.method = draft.method
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
        tender = _load(session, tender_id, for_update=True)
        _require_manager(actor, tender)
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
        tender = _load(session, tender_id, for_update=True)
        _require_manager(actor, tender)
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
    _require_role(actor, Role.SUPERVISOR)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise InvalidInput(
            "returning a filing needs the reasons", code="reason_required", field="reason"
        )
    with db.transaction() as session:
        tender = _load(session, tender_id, for_update=True)
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
        tender = _load(session, tender_id, for_update=True)
        _require_manager(actor, tender)
        rules.check_action("publish", tender.state)
        now = clock.now()
        rs = rule_set_of(tender.rule_set)
        issue_start = rules.actual_issue_start(tender.issue_start, now)
        rules.check_schedule(rs, issue_start, tender.issue_end, tender.bid_deadline)
        tender.issue_start = issue_start
        tender.state = TenderState.PUBLISHED
        tender.published_at = now
        # the opening custodians (and their certificates) are fixed with the publication
        from trading.bids import services as bids

        bids.assign_custodians(session, tender, actor)
        _reschedule(session, tender)
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
        tender = _load(session, tender_id)
        document = session.get(TenderDocument, document_id)
        if document is None or document.tender_id != tender.id:
            raise NotFound(f"no document {document_id} in this tender", code="document_not_found")
        if can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR:
            emit("tender.document_read", actor, tender_id=tender.id, document_id=document.id)
            return document, storage.get().open(document.storage_key)
        _require_role(actor, Role.BIDDER)
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


def _require_holder(session: Session, actor: User, tender: Tender) -> None:
    _require_role(actor, Role.BIDDER)
    if not is_holder(session, tender.id, actor.organisation_id):
        raise Forbidden(
            "only bidders who downloaded the documents may do this", code="not_a_holder"
        )


def is_holder(session: Session, tender_id: int, organisation_id: int) -> bool:
    return (
        session.scalar(
            select(Participation.id).where(
                Participation.tender_id == tender_id,
                Participation.organisation_id == organisation_id,
            )
        )
        is not None
    )


# --- clarifications, amendments, questions ------------------------------------------------------


def ask_question(actor: User, tender_id: int, body: str) -> Question:
    body = _required_text(body, "body", 5000)
    with db.transaction() as session:
        tender = _load(session, tender_id)
        rules.check_action("ask", tender.state)
        _require_holder(session, actor, tender)
        question = Question(
            tender_id=tender.id,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            body=body,
            asked_at=clock.now(),
        )
        session.add(question)
        session.flush()
        # the asker stays anonymous: the ledger names the question, not who asked it publicly
        emit("tender.question_asked", actor, tender_id=tender.id, question_id=question.id)
    return question


def issue_notice(
    actor: User,
    tender_id: int,
    kind: str,
    title: str,
    body: str,
    affects_preparation: bool,
    question_id: int | None = None,
) -> Notice:
    """Publish a clarification or amendment to every holder; move the deadline when the law
    needs more time left (Regs Art 21)."""
    if kind not in ("clarification", "amendment"):
        raise InvalidInput(
            "kind must be clarification or amendment", code="invalid_field", field="kind"
        )
    title = _required_text(title, "title", 300)
    body = _required_text(body, "body", 20000)
    with db.transaction() as session:
        tender = _load(session, tender_id, for_update=True)
        _require_manager(actor, tender)
        rules.check_action("notice", tender.state)
        now = clock.now()
        rs = rule_set_of(tender.rule_set)
        before = tender.bid_deadline
        after = rules.deadline_after_notice(rs, before, now, affects_preparation)
        notice = Notice(
            kind=kind,
            title=title,
            body=body,
            affects_preparation=affects_preparation,
            issued_by_id=actor.id,
            issued_at=now,
            deadline_before=before,
            deadline_after=after,
        )
        tender.notices.append(notice)
        session.flush()
        if question_id is not None:
            question = session.get(Question, question_id)
            if question is None or question.tender_id != tender.id:
                raise NotFound(
                    f"no question {question_id} in this tender", code="question_not_found"
                )
            question.answered_by_notice_id = notice.id
        emit(
            "tender.notice_issued",
            actor,
            tender_id=tender.id,
            notice_id=notice.id,
            kind=kind,
            affects_preparation=affects_preparation,
        )
        if after != before:
            tender.bid_deadline = after
            if tender.issue_end > after:
                tender.issue_end = after
            emit(
                "tender.deadline_moved",
                actor,
                tender_id=tender.id,
                notice_id=notice.id,
                before=before.isoformat(),
                after=after.isoformat(),
                reason="regs_art_21_15_days",
            )
        _reschedule(session, tender)
    return notice


# --- objections to the documents ----------------------------------------------------------------


def raise_objection(actor: User, tender_id: int, body: str) -> Objection:
    body = _required_text(body, "body", 20000)
    with db.transaction() as session:
        tender = _load(session, tender_id, for_update=True)
        rules.check_action("object", tender.state)
        _require_holder(session, actor, tender)
        now = clock.now()
        rs = rule_set_of(tender.rule_set)
        rules.check_objection_window(rs, tender.bid_deadline, now)
        objection = Objection(
            tender_id=tender.id,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            body=body,
            raised_at=now,
            answer_due_at=rules.objection_answer_due(rs, now),
        )
        session.add(objection)
        tender.state = TenderState.SUSPENDED
        session.flush()
        _reschedule(session, tender)
        emit(
            "tender.objection_raised",
            actor,
            tender_id=tender.id,
            objection_id=objection.id,
            answer_due_at=objection.answer_due_at.isoformat(),
        )
        emit("tender.suspended", actor, tender_id=tender.id, objection_id=objection.id)
    return objection


def answer_objection(actor: User, objection_id: int, answer: str) -> Objection:
    answer = _required_text(answer, "answer", 20000)
    with db.transaction() as session:
        objection = session.get(Objection, objection_id, populate_existing=True)
        if objection is None:
            raise NotFound(f"no objection {objection_id}", code="objection_not_found")
        tender = _load(session, objection.tender_id, for_update=True)
        _require_manager(actor, tender)
        rules.check_action("answer_objection", tender.state)
        if objection.answered_at is not None:
            raise Conflict("this objection was answered already", code="already_answered")
        now = clock.now()
        objection.answer = answer
        objection.answered_at = now
        objection.answered_by_id = actor.id
        emit(
            "tender.objection_answered",
            actor,
            tender_id=tender.id,
            objection_id=objection.id,
            late=now > objection.answer_due_at,
        )
        if tender.state == TenderState.SUSPENDED and not _open_objections(session, tender.id):
            tender.state = TenderState.PUBLISHED
            emit("tender.resumed", actor, tender_id=tender.id)
        _reschedule(session, tender)
    return objection


def _open_objections(session: Session, tender_id: int) -> list[Objection]:
    return list(
        session.scalars(
            select(Objection).where(
                Objection.tender_id == tender_id, Objection.answered_at.is_(None)
            )
        )
    )


# --- termination --------------------------------------------------------------------------------


def terminate_tender(actor: User, tender_id: int, reason: str) -> Tender:
    reason = _required_text(reason, "reason", 5000)
    with db.transaction() as session:
        tender = _load(session, tender_id, for_update=True)
        _require_manager(actor, tender)
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


# --- time-driven transitions (called by the tick only) ------------------------------------------


@dataclass(frozen=True)
class TickResult:
    tender_id: int
    happened: tuple[str, ...]


def tick(now: datetime) -> list[TickResult]:
    """Run every transition that is due. Idempotent: a second call at the same time does nothing."""
    due_ids = list(
        db.session.scalars(
            select(Tender.id)
            .where(Tender.next_check_at.is_not(None), Tender.next_check_at <= now)
            .order_by(Tender.next_check_at)
        )
    )
    db.session.rollback()  # end the read snapshot; each tender gets its own unit of work
    results = []
    for tender_id in due_ids:
        happened = _tick_tender(tender_id, now)
        if happened:
            results.append(TickResult(tender_id, tuple(happened)))
    return results


def _tick_tender(tender_id: int, now: datetime) -> list[str]:
    happened: list[str] = []
    system = "system:tick"
    with db.transaction() as session:
        tender = _load(session, tender_id, for_update=True)
        if tender.next_check_at is None or tender.next_check_at > now:
            return happened  # another worker got here first
        if (
            tender.state in (TenderState.PUBLISHED, TenderState.SUSPENDED)
            and tender.download_closed_at is None
            and now >= tender.issue_end
        ):
            tender.download_closed_at = now
            emit(
                "tender.download_closed",
                system,
                tender_id=tender.id,
                holders=_holder_count(session, tender.id),
            )
            happened.append("download_closed")
        for objection in _open_objections(session, tender.id):
            if now > objection.answer_due_at and not objection.overdue_reported:
                objection.overdue_reported = True
                emit(
                    "tender.objection_overdue",
                    system,
                    tender_id=tender.id,
                    objection_id=objection.id,
                )
                happened.append("objection_overdue")
        if tender.state == TenderState.PUBLISHED and now >= tender.bid_deadline:
            tender.state = TenderState.CLOSED
            tender.closed_at = now
            emit(
                "tender.deadline_reached",
                system,
                tender_id=tender.id,
                bid_deadline=tender.bid_deadline.isoformat(),
            )
            happened.append("deadline_reached")
        _reschedule(session, tender)
    return happened


def _reschedule(session: Session, tender: Tender) -> None:
    open_objections = _open_objections(session, tender.id)
    due = [o.answer_due_at for o in open_objections if not o.overdue_reported]
    tender.next_check_at = rules.next_check(
        tender.state,
        tender.issue_end,
        tender.bid_deadline,
        tender.download_closed_at is not None,
        min(due) if due else None,
    )


# --- queries for pages and the API --------------------------------------------------------------


def public_tenders() -> Sequence[Tender]:
    return list(
        db.session.scalars(
            select(Tender)
            .where(Tender.state.in_(PUBLIC_STATES))
            .order_by(Tender.published_at.desc())
        )
    )


def get_tender(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


def get_visible_tender(user: User | None, tender_id: int) -> Tender:
    """Public tenders for everyone; unpublished ones only for their managers and supervisors."""
    tender = get_tender(tender_id)
    if (
        tender.state in PUBLIC_STATES
        or can_manage(user, tender)
        or (user is not None and getattr(user, "role", None) in (Role.SUPERVISOR, Role.ADMIN))
    ):
        return tender
    raise NotFound(f"no tender {tender_id}", code="tender_not_found")


def managed_tenders(actor: User) -> Sequence[Tender]:
    _require_role(actor, Role.AGENCY, Role.TENDERER)
    column = Tender.agency_id if actor.role == Role.AGENCY else Tender.tenderer_id
    return list(
        db.session.scalars(
            select(Tender).where(column == actor.organisation_id).order_by(Tender.id.desc())
        )
    )


def filing_queue(actor: User) -> Sequence[Tender]:
    _require_role(actor, Role.SUPERVISOR)
    return list(
        db.session.scalars(
            select(Tender).where(Tender.state == TenderState.FILING).order_by(Tender.id)
        )
    )


def filing_history(tender_id: int) -> Sequence[FilingRecord]:
    return list(
        db.session.scalars(
            select(FilingRecord)
            .where(FilingRecord.tender_id == tender_id)
            .order_by(FilingRecord.id)
        )
    )


def questions_for(actor: User, tender_id: int) -> Sequence[Question]:
    """Managers see every question (never who asked); a bidder sees only its own."""
    tender = get_tender(tender_id)
    query = select(Question).where(Question.tender_id == tender.id).order_by(Question.id)
    if can_manage(actor, tender):
        return list(db.session.scalars(query))
    if actor is not None and getattr(actor, "role", None) == Role.BIDDER:
        return list(
            db.session.scalars(query.where(Question.organisation_id == actor.organisation_id))
        )
    raise Forbidden("questions are visible to the tender's managers and their askers only")


def objections_for(actor: User, tender_id: int) -> Sequence[Objection]:
    tender = get_tender(tender_id)
    query = select(Objection).where(Objection.tender_id == tender.id).order_by(Objection.id)
    if can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR:
        return list(db.session.scalars(query))
    if actor is not None and getattr(actor, "role", None) == Role.BIDDER:
        return list(
            db.session.scalars(query.where(Objection.organisation_id == actor.organisation_id))
        )
    raise Forbidden("objections are visible to the tender's managers, supervisors and objectors")


def holder_count(tender_id: int) -> int:
    return _holder_count(db.session, tender_id)


def _holder_count(session: Session, tender_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.tender_id == tender_id)
        )
        or 0
    )


def held_by(actor: User | None, tender_id: int) -> bool:
    if actor is None or getattr(actor, "role", None) != Role.BIDDER:
        return False
    return is_holder(db.session, tender_id, actor.organisation_id)


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def _safe_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = _UNSAFE.sub("_", name).strip("._")[:120]
    if not cleaned:
        raise InvalidInput("the document needs a file name", code="invalid_filename")
    return cleaned


def _required_text(value: str | None, name: str, max_length: int) -> str:
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
