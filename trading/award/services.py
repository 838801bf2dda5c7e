"""Award use cases, one transaction each, emitting events: the report received from the
committee (called by evaluation inside its own unit), the candidates published, an objection
raised and answered, the award decided with its notices, and the contract recorded
(``contract.signed``: trading.guarantees then opens the refunds and releases)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock, lottery
from bidhall.accounts.models import Role, User
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, NotFound
from bidhall.events import emit
from trading.award import rules
from trading.award.models import Award, AwardObjection, Contract
from trading.award.rules import AwardState
from trading.bids.models import Bid, BidState
from trading.tenders.models import Tender
from trading.tenders.queries import can_manage, check_manager
from trading.tenders.services import required_text

PLATFORM = "system:tick"


# --- the report arrives (called by evaluation, inside the unit that seals the report) -----------


def receive_report(
    session: Session,
    tender_id: int,
    lot_number: int,
    candidates: Sequence[dict],
    report_sha256: str,
    at: datetime,
) -> Award:
    """The committee's sealed report reaches the tenderer: its ranked candidates (``[{"rank",
    "bid_id", "evaluated_price", "score"}]``, at most 3) are frozen with their bidders' names and
    read-out prices, and the clock for their publicity starts (Regs Art 54). A report with no
    candidate (every bid rejected) fails the lot instead."""
    if not candidates:
        failed = Award(
            tender_id=tender_id,
            lot_number=lot_number,
            state=AwardState.FAILED,
            method=session.get(Tender, tender_id).award_method,
            report_sha256=report_sha256,
            report_received_at=at,
            candidates=[],
            publish_due_at=at,
        )
        session.add(failed)
        session.flush()
        emit(
            "award.lot_failed",
            "system:evaluation",
            tender_id=tender_id,
            award_id=failed.id,
            lot=lot_number,
            reason="no_candidate",
            report_sha256=report_sha256,
        )
        return failed
    bids = {
        bid.id: bid
        for bid in session.scalars(
            select(Bid).where(Bid.id.in_([int(c["bid_id"]) for c in candidates]))
        )
    }
    frozen = []
    for candidate in sorted(candidates, key=lambda c: c["rank"]):
        bid = bids[int(candidate["bid_id"])]
        frozen.append(
            {
                "rank": int(candidate["rank"]),
                "bid_id": bid.id,
                "organisation_id": bid.organisation_id,
                "bidder": bid.organisation.name,
                "price": str((bid.summary or {}).get("price", "")),
                "evaluated_price": str(candidate["evaluated_price"]),
                "score": None if candidate.get("score") is None else str(candidate["score"]),
            }
        )
    tender = session.get(Tender, tender_id)
    award = Award(
        tender_id=tender_id,
        lot_number=lot_number,
        state=AwardState.REPORTED,
        method=tender.award_method,
        report_sha256=report_sha256,
        report_received_at=at,
        candidates=frozen,
        publish_due_at=rules.publish_due(at),
    )
    session.add(award)
    session.flush()
    _reschedule(session, award)
    emit(
        "award.report_received",
        "system:evaluation",
        tender_id=tender_id,
        award_id=award.id,
        lot=lot_number,
        candidates=len(frozen),
        report_sha256=report_sha256,
        publish_due_at=award.publish_due_at.isoformat(),
    )
    return award


# --- publicity ----------------------------------------------------------------------------------


def publish_candidates(actor: User, award_id: int, days: object) -> Award:
    """The tender's managers publish the candidates for ``days`` (≥ 3) from now."""
    with db.transaction() as session:
        award = _managed_award(session, actor, award_id)
        length = rules.check_publicity_days(days)
        _publish(session, award, actor, length, "manager")
    return award


def _publish(session: Session, award: Award, actor: Any, days: int, by: str) -> None:
    rules.check_state(award.state, AwardState.REPORTED, why="the candidates are published once")
    now = clock.now()
    award.state = AwardState.PUBLICITY
    award.publicity_start = now
    award.publicity_end = rules.publicity_end(now, days)
    award.published_by = by
    _reschedule(session, award)
    emit(
        "award.publicity_started",
        actor,
        tender_id=award.tender_id,
        award_id=award.id,
        lot=award.lot_number,
        start=award.publicity_start.isoformat(),
        end=award.publicity_end.isoformat(),
        published_by=by,
        late=now > award.publish_due_at,
    )


# --- objections to the result -------------------------------------------------------------------


def raise_objection(actor: User, award_id: int, body: object) -> AwardObjection:
    """A bidder of the tender objects to the result during the publicity (Regs Art 54)."""
    with db.transaction() as session:
        award = _load(session, award_id, lock=True)
        if not is_bidder(session, actor, award.tender_id):
            raise Forbidden(
                "objections to the result are raised by the tender's bidders",
                code="not_a_bidder",
            )
        text = required_text(body if isinstance(body, str) else None, "body", 20000)
        now = clock.now()
        rules.check_objection_window(award.publicity_start, award.publicity_end, now)
        objection = AwardObjection(
            award_id=award.id,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            body=text,
            raised_at=now,
            answer_due_at=rules.objection_answer_due(now),
        )
        session.add(objection)
        session.flush()
        _reschedule(session, award)
        emit(
            "award.objection_raised",
            actor,
            tender_id=award.tender_id,
            award_id=award.id,
            objection_id=objection.id,
            answer_due_at=objection.answer_due_at.isoformat(),
        )
    return objection


def answer_objection(
    actor: User, award_id: int, objection_id: int, answer: object
) -> AwardObjection:
    with db.transaction() as session:
        award = _managed_award(session, actor, award_id, advancing=False)
        objection = fetch_one(session, AwardObjection, objection_id, lock=True)
        if objection is None or objection.award_id != award.id:
            raise NotFound(f"no objection {objection_id} to this award", code="objection_not_found")
        text = required_text(answer if isinstance(answer, str) else None, "answer", 20000)
        if objection.answered_at is not None:
            raise Conflict("this objection was answered already", code="already_answered")
        now = clock.now()
        objection.answer = text
        objection.answered_at = now
        objection.answered_by_id = actor.id
        _reschedule(session, award)
        emit(
            "award.objection_answered",
            actor,
            tender_id=award.tender_id,
            award_id=award.id,
            objection_id=objection.id,
            late=rules.is_overdue(objection.answer_due_at, now),
        )
    return objection


# --- the decision -------------------------------------------------------------------------------


def commit_lottery(actor: User, award_id: int) -> Award:
    """Under a lottery award (评定分离 by lot), the platform commits to a secret seed before the
    draw: its hash is public at once (``award.lottery_committed``), the seed at the draw."""
    with db.transaction() as session:
        award = _managed_award(session, actor, award_id)
        if award.method != "lottery":
            raise Conflict("this award is not decided by lottery", code="not_a_lottery")
        rules.check_state(
            award.state, AwardState.REPORTED, AwardState.PUBLICITY, why="the lottery is drawn once"
        )
        if award.lottery_committed_at is not None:
            raise Conflict("the lottery's seed is committed already", code="already_committed")
        seed = lottery.new_seed()
        award.lottery_seed = seed.hex()
        award.lottery_seed_sha256 = lottery.seed_sha256(seed)
        award.lottery_committed_at = clock.now()
        emit(
            "award.lottery_committed",
            actor,
            tender_id=award.tender_id,
            award_id=award.id,
            seed_sha256=award.lottery_seed_sha256,
            label=rules.lottery_label(award.id),
            candidates=sorted(c["bid_id"] for c in award.candidates),
        )
    return award


def decide(
    actor: User,
    award_id: int,
    rank: object = 1,
    reason: object = None,
    note: object = None,
    ballots: object = None,
) -> Award:
    """Award the lot, after the publicity and with every objection answered, by the method the
    documents fixed: the first candidate (a later one with a reason, Regs Art 55), or under 评定分离
    the award committee's vote (``ballots``), the lowest evaluated price, or the committed
    lottery, drawn now. The winner receives the award notice, the other bidders the result
    notice; the contract is due within 30 days."""
    with db.transaction() as session:
        award = _managed_award(session, actor, award_id)
        rules.check_state(award.state, AwardState.PUBLICITY, why="the award is decided once")
        now = clock.now()
        rules.check_decidable(award.publicity_end, now, len(_open_objections(session, award)))
        text = (note or "").strip() if isinstance(note, str) else ""
        detail: dict | None = None
        if award.method == "committee_vote":
            chosen, detail = rules.tally_vote(award.candidates, ballots)
        elif award.method == "price_competition":
            chosen, detail = rules.price_competition(award.candidates)
        elif award.method == "lottery":
            if award.lottery_seed is None:
                raise Conflict(
                    "commit the lottery's seed before drawing it", code="lottery_not_committed"
                )
            seed = bytes.fromhex(award.lottery_seed)
            bids = [c["bid_id"] for c in award.candidates]
            detail = rules.lottery_document(award.id, bids, seed)
            chosen = next(c for c in award.candidates if c["bid_id"] == detail["order"][0])
        else:
            chosen = rules.choose_winner(award.candidates, rank, reason, text)
        award.state = AwardState.AWARDED
        award.winner_bid_id = chosen["bid_id"]
        award.winner_rank = chosen["rank"]
        award.award_amount = Decimal(chosen["evaluated_price"])
        bypassed = award.method == "first_candidate" and chosen["rank"] != 1
        award.decision_reason = str(reason) if bypassed else None
        award.decision_note = text[:5000] or None
        award.decision_detail = detail
        award.decided_at = now
        award.decided_by_id = actor.id
        award.contract_due_at = rules.contract_due(now)
        _reschedule(session, award)
        emit(
            "award.decided",
            actor,
            tender_id=award.tender_id,
            award_id=award.id,
            lot=award.lot_number,
            method=award.method,
            bid_id=chosen["bid_id"],
            organisation_id=chosen["organisation_id"],
            rank=chosen["rank"],
            amount=str(award.award_amount),
            ceiling=str(_ceiling(award)),
            reason=award.decision_reason,
            votes=(detail or {}).get("votes"),
            seed=(detail or {}).get("seed"),
            contract_due_at=award.contract_due_at.isoformat(),
        )
    return award


def _ceiling(award: Award) -> Decimal:
    lot = next((lot for lot in award.tender.lots if lot.number == award.lot_number), None)
    return lot.ceiling_price if lot is not None else Decimal("0.00")


# --- the contract -------------------------------------------------------------------------------


def record_contract(
    actor: User, award_id: int, amount: object, performance_security: object, signed_on: object
) -> Contract:
    """The tenderer records the signed contract: its price is the award's (Law Art 46), its
    performance security at most 10% (Regs Art 58). ``contract.signed`` starts the 5-day
    refunds and releases of every bid security of the tender (Regs Art 57)."""
    with db.transaction() as session:
        award = _managed_award(session, actor, award_id)
        rules.check_state(award.state, AwardState.AWARDED, why="a contract follows the award")
        now = clock.now()
        zone = award.tender.timezone
        price, security, day = rules.check_contract(
            amount,
            performance_security,
            signed_on,
            awarded=award.award_amount,
            decided_on=clock.local(award.decided_at, zone).date(),
            today=clock.local(now, zone).date(),
        )
        supplier = next(c for c in award.candidates if c["bid_id"] == award.winner_bid_id)
        contract = Contract(
            award_id=award.id,
            tender_id=award.tender_id,
            lot_number=award.lot_number,
            supplier_id=supplier["organisation_id"],
            amount=price,
            performance_security=security,
            signed_on=day,
            recorded_at=now,
            recorded_by_id=actor.id,
        )
        session.add(contract)
        award.state = AwardState.CONTRACTED
        session.flush()
        _reschedule(session, award)
        emit(
            "contract.signed",
            actor,
            tender_id=award.tender_id,
            award_id=award.id,
            contract_id=contract.id,
            lot=award.lot_number,
            organisation_id=contract.supplier_id,
            amount=str(price),
            performance_security=str(security),
            signed_on=day.isoformat(),
            late=rules.is_overdue(award.contract_due_at, now),
        )
    return contract


# --- the tick -----------------------------------------------------------------------------------


def due_awards(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Award.id).where(Award.next_check_at <= now).order_by(Award.next_check_at)
        )
    )


def advance(award_id: int, now: datetime) -> list[str]:
    """One award's due steps, in its own unit: the candidates published by the platform when
    the tenderer let the 3 days pass (Regs Art 54 makes them public regardless), an objection
    not answered in time, a contract not signed in 30 days (each reported once)."""
    happened: list[str] = []
    with db.transaction() as session:
        award = _load(session, award_id, lock=True)
        if award.state == AwardState.REPORTED and now >= award.publish_due_at:
            _publish(session, award, PLATFORM, rules.MIN_PUBLICITY_DAYS, "platform")
            happened.append("candidates_published_by_platform")
        for objection in _open_objections(session, award):
            if rules.is_overdue(objection.answer_due_at, now) and not objection.overdue_reported:
                objection.overdue_reported = True
                emit(
                    "award.objection_overdue",
                    PLATFORM,
                    tender_id=award.tender_id,
                    award_id=award.id,
                    objection_id=objection.id,
                    due_at=objection.answer_due_at.isoformat(),
                )
                happened.append(f"objection_overdue:{objection.id}")
        if (
            award.state == AwardState.AWARDED
            and rules.is_overdue(award.contract_due_at, now)
            and not award.contract_overdue_reported
        ):
            award.contract_overdue_reported = True
            emit(
                "award.contract_overdue",
                PLATFORM,
                tender_id=award.tender_id,
                award_id=award.id,
                due_at=award.contract_due_at.isoformat(),
            )
            happened.append("contract_overdue")
        _reschedule(session, award)
    return happened


# --- helpers ------------------------------------------------------------------------------------


def _load(session: Session, award_id: int, *, lock: bool = False) -> Award:
    award = fetch_one(session, Award, award_id, lock=lock)
    if award is None:
        raise NotFound(f"no award {award_id}", code="award_not_found")
    return award


def _managed_award(
    session: Session, actor: User, award_id: int, *, advancing: bool = True
) -> Award:
    """The award, for one of its tender's managers to act on. A step that advances it (the
    publicity, the lottery, the decision, the contract) is refused while a complaint holds the
    tender suspended (Regs Art 62); answering an objection is not."""
    from trading.complaints.services import suspending

    award = _load(session, award_id, lock=True)
    check_manager(actor, award.tender)
    if advancing and suspending(session, award.tender_id):
        raise Conflict(
            "a complaint holds the tender suspended until the supervisor decides it",
            code="suspended_by_complaint",
        )
    return award


def _open_objections(session: Session, award: Award) -> list[AwardObjection]:
    return list(
        session.scalars(
            select(AwardObjection)
            .where(AwardObjection.award_id == award.id, AwardObjection.answered_at.is_(None))
            .order_by(AwardObjection.id)
        )
    )


def is_bidder(session: Session, actor: User | None, tender_id: int) -> bool:
    if actor is None or getattr(actor, "role", None) != Role.BIDDER:
        return False
    return bool(
        session.scalar(
            select(func.count(Bid.id)).where(
                Bid.tender_id == tender_id,
                Bid.organisation_id == actor.organisation_id,
                Bid.state == BidState.SEALED,
            )
        )
    )


def _reschedule(session: Session, award: Award) -> None:
    session.flush()
    award.next_check_at = rules.next_check(
        award.state,
        publish_due_at=award.publish_due_at,
        objection_dues=[
            o.answer_due_at for o in _open_objections(session, award) if not o.overdue_reported
        ],
        contract_due_at=award.contract_due_at,
        contract_overdue_reported=award.contract_overdue_reported,
    )


def may_see_everything(user: User | None, award: Award) -> bool:
    return can_manage(user, award.tender) or getattr(user, "role", None) == Role.SUPERVISOR
