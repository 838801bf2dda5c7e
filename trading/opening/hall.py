"""The opening hall's read side: who may enter and as whom, the hall as each caller may see it, and
its numbered messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from bidhall import clock, inputs
from bidhall.accounts.models import Organisation, Role, User
from bidhall.db import db, fetch_one
from bidhall.errors import Forbidden, NotFound
from bidhall.realtime.rooms import MessageLog
from trading.bids import rules as bid_rules
from trading.bids.models import Bid
from trading.opening.models import (
    HallAttendance,
    HallMessage,
    Opening,
    OpeningObjection,
)
from trading.opening.rules import HallRole, Phase
from trading.tenders.models import Tender, TenderCustodian, TenderState

#: the hall's numbered messages: events ``hall.<kind>``, Socket.IO rooms ``hall:<tender_id>``
MESSAGES = MessageLog(HallMessage, name="hall", key="tender_id")


# --- who is who in a hall -----------------------------------------------------------------------


def hall_role(user: User | None, tender: Tender, opening: Opening | None) -> HallRole:
    from trading.tenders.queries import can_manage

    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    if role is not None and can_manage(user, tender):
        return HallRole.MANAGER
    if role == Role.SUPERVISOR:
        return HallRole.SUPERVISOR
    if role == Role.BIDDER and _has_bid(user.organisation_id, tender.id):
        return HallRole.BIDDER
    phase = Phase(opening.phase) if opening is not None else Phase.WAITING
    if tender.state in (TenderState.CLOSED, TenderState.OPENED, TenderState.FAILED) and phase in (
        Phase.READING,
        Phase.READ,
        Phase.CLOSED,
        Phase.FAILED,
    ):
        return HallRole.PUBLIC
    raise Forbidden(
        "only the tender's bidders, its managers and supervisors may enter the hall before the "
        "reading out; the public may watch from then on",
        code="not_in_hall",
    )


def _has_bid(organisation_id: int | None, tender_id: int) -> bool:
    return (
        db.session.scalar(
            select(func.count(Bid.id)).where(
                Bid.tender_id == tender_id, Bid.organisation_id == organisation_id
            )
        )
        > 0
    )


def custodian_of(session: Session, tender_id: int, user: User) -> TenderCustodian | None:
    return session.scalar(
        select(TenderCustodian).where(
            TenderCustodian.tender_id == tender_id, TenderCustodian.user_id == user.id
        )
    )


# --- reading the hall ---------------------------------------------------------------------------


def enter(user: User | None, tender_id: int) -> tuple[HallRole, Tender]:
    """Refuse early anyone who may not be in this hall; returns the caller's role."""
    tender = load_tender(db.session, tender_id)
    return hall_role(user, tender, find_opening(db.session, tender.id)), tender


def messages_after(user: User | None, tender_id: int, after: int | None) -> list[dict]:
    """What a client that last saw ``after`` missed, in order (every message in the hall is
    meant for everyone in it; nothing secret is ever said there)."""
    enter(user, tender_id)
    return MESSAGES.after(tender_id, after)


def state(user: User | None, tender_id: int) -> dict:
    """The hall as this caller may see it: phase, clock, presence and the bid list (counted
    from the deadline, named from the reading out, to staff as to everyone: Law Art 22,
    ``bid_rules.disclosure``; a bidder's own always) and the caller's own tasks."""
    role, tender = enter(user, tender_id)
    return snapshot(user, role, tender)


def snapshot(user: User | None, role: HallRole, tender: Tender) -> dict:
    """``state`` for a caller already admitted by ``enter`` (the socket's join: one check)."""
    opening = find_opening(db.session, tender.id)
    phase = Phase(opening.phase) if opening else Phase.WAITING
    shown = bid_rules.disclosure(tender.bid_deadline, clock.now(), phase)
    staff = role in (HallRole.MANAGER, HallRole.SUPERVISOR)
    result: dict[str, Any] = {
        "tender_id": tender.id,
        "reference": tender.reference,
        "title": tender.title,
        "role": role.value,
        "phase": phase.value,
        "now": clock.now().isoformat(),
        "bid_deadline": tender.bid_deadline.isoformat(),
        "decrypt_deadline": opening.decrypt_deadline.isoformat()
        if opening and opening.decrypt_deadline
        else None,
        "seq": opening.last_seq if opening else 0,
        "failed_reason": opening.failed_reason if opening else None,
        "record_sha256": opening.record_sha256 if opening else None,
        "custodian_fallback": tender.custodian_fallback,
        "objections": [],
        "read_count": opening.read_count if opening else 0,
    }
    result["present"], result["signed_in_at"] = _presence(tender.id, user, shown, staff=staff)
    bids = bids_in_order(db.session, opening) if opening is not None else []
    result["bids"] = [
        # the host and the custodians act on a bid by its id, which names no firm
        _bid_view(number, bid, names=shown.names or is_own(user, bid), with_id=staff)
        for number, bid in bids
    ]
    if role == HallRole.BIDDER:
        result["my_bids"] = [
            {"bid_id": bid.id, "bid_no": number, "lot": bid.lot_number}
            for number, bid in bids
            if is_own(user, bid)
        ]
    if role in (HallRole.MANAGER, HallRole.SUPERVISOR):
        custodian = custodian_of(db.session, tender.id, user)
        if custodian is not None:
            result["custodian"] = {"x": custodian.x, "threshold": tender.custodian_threshold}
    if opening is not None:
        result["objections"] = [
            objection_view(
                o,
                names=shown.names
                or (
                    role == HallRole.BIDDER
                    and o.organisation_id == getattr(user, "organisation_id", None)
                ),
            )
            for o in objections_of(db.session, tender.id)
        ]
    return result


def is_own(user: User | None, bid: Bid) -> bool:
    return (
        getattr(user, "role", None) == Role.BIDDER
        and getattr(user, "organisation_id", None) == bid.organisation_id
    )


def _bid_view(number: int, bid: Bid, *, names: bool, with_id: bool = False) -> dict:
    return {
        "bid_no": number,
        "bid_id": bid.id if names or with_id else None,
        "lot": bid.lot_number,
        "bidder": bid.organisation.name if names else None,
        "manifest_sha256": bid.manifest_sha256,
        "received_at": bid.received_at.isoformat(),
        "outcome": bid.opening_outcome,
    }


def _presence(
    tender_id: int, user: User | None, shown: bid_rules.Disclosure, *, staff: bool
) -> tuple[dict, str | None]:
    """Who signed in, and when the caller did. The bidders present are counted only from the
    opening and named only from the reading out; until then they are numbered entries, for
    every role (Law Art 22). The staff's names are for the staff."""
    rows = db.session.execute(
        select(HallAttendance, User.display_name, Organisation.name)
        .join(User, User.id == HallAttendance.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(HallAttendance.tender_id == tender_id)
        .order_by(HallAttendance.id)
    ).all()
    bidders = [(r, name, org) for r, name, org in rows if r.role == HallRole.BIDDER]
    result: dict[str, Any] = {
        "bidders": len(bidders) if shown.counts else None,
        "staff": len(rows) - len(bidders),
        "entries": [],
    }
    numbers = {r.id: number for number, (r, _, _) in enumerate(bidders, start=1)}
    caller = getattr(user, "organisation_id", None) if _is_bidder(user) else None
    for r, name, org in rows:
        if r.role == HallRole.BIDDER:
            if not shown.counts:
                continue
            named = shown.names or r.organisation_id == caller
            entry = {"role": r.role, "number": numbers[r.id]}
        else:
            named = staff
            entry = {"role": r.role}
        entry |= {
            "name": name if named else None,
            "organisation": org if named else None,
            "at": r.signed_in_at.isoformat(),
        }
        result["entries"].append(entry)
    mine = next((r for r, _, _ in rows if user is not None and r.user_id == user.id), None)
    return result, mine.signed_in_at.isoformat() if mine else None


def _is_bidder(user: User | None) -> bool:
    return getattr(user, "role", None) == Role.BIDDER


def objection_view(o: OpeningObjection, *, names: bool = True) -> dict:
    return {
        "number": o.number,
        "bidder": o.organisation.name if names else None,
        "text": o.text,
        "raised_at": o.raised_at.isoformat(),
        "answer": o.answer,
        "answered_at": o.answered_at.isoformat() if o.answered_at else None,
    }


def objections_of(session: Session, tender_id: int) -> list[OpeningObjection]:
    return list(
        session.scalars(
            select(OpeningObjection)
            .where(OpeningObjection.tender_id == tender_id)
            .order_by(OpeningObjection.number)
        )
    )


# --- helpers ------------------------------------------------------------------------------------


def post(session: Session, opening: Opening, actor: Any, kind: str, **payload: Any) -> int:
    """Say something in the hall (the caller's unit holds the tender's lock): the next seq,
    persisted and emitted as a ``hall.*`` domain event in this unit; the Socket.IO broadcast
    follows the commit (``bidhall.realtime.fanout``)."""
    return MESSAGES.post(session, opening, actor, kind, **payload)


def load_tender(session: Session, tender_id: object, *, lock: bool = False) -> Tender:
    """The tender alone (none of its lots, documents or notices: the hall needs none of them),
    locked for the unit with ``lock``."""
    tender_id = inputs.identifier(tender_id, "tender_id")
    query = select(Tender).where(Tender.id == tender_id).options(lazyload("*"))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Tender)
    tender = session.scalar(query)
    if tender is None or not tender.was_published:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


def find_opening(session: Session, tender_id: int) -> Opening | None:
    return session.scalar(select(Opening).where(Opening.tender_id == tender_id))


def opening_of(session: Session, tender: Tender) -> Opening:
    """The tender's hall, made on first use (the tender row is locked by the caller, so two
    units never both make one)."""
    opening = find_opening(session, tender.id)
    if opening is None:
        opening = Opening(tender_id=tender.id, phase=Phase.WAITING, last_seq=0, read_order=[])
        session.add(opening)
        session.flush()
    return opening


def bids_in_order(session: Session, opening: Opening) -> list[tuple[int, Bid]]:
    if not opening.read_order:
        return []
    by_id = {
        bid.id: bid
        for bid in session.scalars(
            select(Bid).where(Bid.id.in_(opening.read_order)).options(lazyload(Bid.tender))
        )
    }
    return [(number, by_id[bid_id]) for number, bid_id in enumerate(opening.read_order, start=1)]


def bid_in_hall(session: Session, opening: Opening, bid_id: object) -> Bid:
    bid_id = inputs.identifier(bid_id, "bid_id")
    if bid_id not in (opening.read_order or []):
        raise NotFound(f"no bid {bid_id} in this hall", code="bid_not_found")
    return fetch_one(session, Bid, bid_id, lock=True)


def bid_number(opening: Opening, bid: Bid) -> int:
    """The bid's number in the hall (its place in the order of receipt), from 1."""
    return opening.read_order.index(bid.id) + 1
