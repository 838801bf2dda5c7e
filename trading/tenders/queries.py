"""The read side of tenders, and who may do what with one: the public list, a manager's tenders,
the filing queue, questions and objections as each role may see them, the documents' holders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager

from bidhall import config
from bidhall.accounts.models import Organisation, Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db, fetch_one
from bidhall.errors import Forbidden, NotFound
from trading.tenders import rules
from trading.tenders.models import (
    PUBLIC_STATES,
    FilingRecord,
    Notice,
    Objection,
    Participation,
    Question,
    Tender,
    TenderState,
)
from trading.tenders.schemas import PortalFilter


def rule_set_of(name: str) -> rules.RuleSet:
    return rules.rule_set(name, config.current().get("RULE_SET_OVERRIDES"))


def regions() -> dict[str, str]:
    """The centre's regions, code → name (the REGIONS setting)."""
    return dict(config.current().get("REGIONS") or {})


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


def check_manager(user: User, tender: Tender) -> None:
    if not can_manage(user, tender):
        raise Forbidden("only the tenderer or its agency may manage this tender")


def require_manager(user: User, tender_id: int) -> Tender:
    """Refuse early (before the request body is even read) anyone who may not manage the tender.
    The use case checks again inside its transaction."""
    tender = get_tender(tender_id)
    check_manager(user, tender)
    return tender


def require_objection_manager(user: User, objection_id: int) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(f"no objection {objection_id}", code="objection_not_found")
    check_manager(user, objection.tender)
    return objection


def load_tender(session: Session, tender_id: int, *, for_update: bool = False) -> Tender:
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


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


def open_objections(session: Session, tender_id: int) -> list[Objection]:
    return list(
        session.scalars(
            select(Objection).where(
                Objection.tender_id == tender_id, Objection.answered_at.is_(None)
            )
        )
    )


# --- queries for pages and the API --------------------------------------------------------------


def public_tenders() -> Sequence[Tender]:
    return list(
        db.session.scalars(
            select(Tender)
            .where(Tender.state.in_(PUBLIC_STATES), Tender.published_at.is_not(None))
            .order_by(Tender.published_at.desc())
        )
    )


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, the number of rows of the whole list, the page's number
    (from 1) and the page size."""

    rows: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def portal(wanted: PortalFilter) -> Page:
    """The public portal's list of one notice type: tender notices (招标公告), changes
    (clarifications and amendments, 变更公告), opening records (开标记录) or terminations
    (终止公告), newest first. Only tenders that were published are in it; nothing in it
    tells who holds the documents or has bid (Law Art 22)."""
    if wanted.type == "change":
        moment = Notice.issued_at
        query = (
            select(Notice)
            .join(Notice.tender)
            .where(Notice.kind.in_(("clarification", "amendment")))
            .options(contains_eager(Notice.tender))
        )
    else:
        moment = {
            "tender": Tender.published_at,
            "opening": Tender.bid_deadline,
            "termination": Tender.terminated_at,
        }[wanted.type]
        query = select(Tender)
        if wanted.type == "opening":
            query = query.where(Tender.state.in_((TenderState.OPENED, TenderState.FAILED)))
        elif wanted.type == "termination":
            query = query.where(Tender.state == TenderState.TERMINATED)
    query = query.where(Tender.state.in_(PUBLIC_STATES), Tender.published_at.is_not(None))
    if wanted.state:
        query = query.where(Tender.state == TenderState(wanted.state))
    if wanted.category:
        query = query.where(Tender.category == wanted.category)
    if wanted.region:
        query = query.where(Tender.region == wanted.region)
    zone = ZoneInfo(config.current().get("DEFAULT_TIMEZONE") or "Asia/Shanghai")
    if wanted.start:
        query = query.where(moment >= datetime.combine(wanted.start, time(), zone))
    if wanted.end:
        after = datetime.combine(wanted.end + timedelta(days=1), time(), zone)
        query = query.where(moment < after)
    if wanted.q:
        tenderers = select(Organisation.id).where(
            Organisation.name.icontains(wanted.q, autoescape=True)
        )
        matches = [
            Tender.title.icontains(wanted.q, autoescape=True),
            Tender.reference.icontains(wanted.q, autoescape=True),
            Tender.tenderer_id.in_(tenderers),
        ]
        if wanted.type == "change":
            matches.append(Notice.title.icontains(wanted.q, autoescape=True))
        query = query.where(or_(*matches))
    size = int(config.current().get("PORTAL_PAGE_SIZE") or 20)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    row_id = Notice.id if wanted.type == "change" else Tender.id
    rows = db.session.scalars(
        query.order_by(moment.desc(), row_id.desc()).limit(size).offset((wanted.page - 1) * size)
    )
    return Page(rows=list(rows), total=total, number=wanted.page, size=size)


def get_tender(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


def get_visible_tender(user: User | None, tender_id: int) -> Tender:
    """Public tenders for everyone; unpublished ones only for their managers and supervisors."""
    tender = get_tender(tender_id)
    if (
        tender.was_published
        or can_manage(user, tender)
        or (user is not None and getattr(user, "role", None) in (Role.SUPERVISOR, Role.ADMIN))
    ):
        return tender
    raise NotFound(f"no tender {tender_id}", code="tender_not_found")


def managed_tenders(actor: User) -> Sequence[Tender]:
    require_role(actor, Role.AGENCY, Role.TENDERER)
    column = Tender.agency_id if actor.role == Role.AGENCY else Tender.tenderer_id
    return list(
        db.session.scalars(
            select(Tender).where(column == actor.organisation_id).order_by(Tender.id.desc())
        )
    )


def filing_queue(actor: User) -> Sequence[Tender]:
    require_role(actor, Role.SUPERVISOR)
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
    return count_holders(db.session, tender_id)


def count_holders(session: Session, tender_id: int) -> int:
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
