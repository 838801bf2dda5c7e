"""What the trading half tells its users through the message centre (bidhall.notifications):
the holders of a tender's documents of its clarifications, amendments, deadline moves and
termination; the tender's managers of objections and filing decisions; an objector of the
answer; a bidder of its bid's receipt and of its guarantee's release or deposit's refund; a
guarantee's issuer of its release or a claim on it.

Each message goes only to those it concerns: a holder learns nothing of the other holders, the
managers nothing of who objected (Law Art 22; Regs Art 22)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.events import Event
from bidhall.notifications.services import Message, kind, notifier
from trading.award.models import Award, AwardObjection
from trading.bids.models import Bid, BidState
from trading.complaints.models import Complaint
from trading.guarantees.models import Deposit, Guarantee
from trading.tenders.models import FilingRecord, Objection, Participation, Tender

kind("tender.clarification", _l("A clarification of “%(title)s” was published: %(notice)s"))
kind("tender.amendment", _l("An amendment of “%(title)s” was published: %(notice)s"))
kind("tender.deadline_moved", _l("The bid deadline of “%(title)s” moved to %(deadline)s."))
kind("tender.terminated", _l("“%(title)s” was terminated: %(reason)s"))
kind(
    "tender.objection_raised",
    _l("An objection to the documents of “%(title)s” awaits your answer by %(due)s."),
)
kind("tender.objection_answered", _l("Your objection to “%(title)s” was answered."))
kind("tender.filing_accepted", _l("The filing of “%(title)s” was accepted: it may be published."))
kind("tender.filing_returned", _l("The filing of “%(title)s” was returned: %(reason)s"))
kind("bid.received", _l("Your bid for “%(title)s”, lot %(lot)s, was received at %(at)s."))
kind("guarantee.released", _l("Your guarantee for “%(title)s” was released."))
kind("deposit.refunded", _l("Your deposit for “%(title)s” was refunded."))
kind(
    "guarantee.release_notice",
    _l("Guarantee %(number)s for “%(title)s” was released; the signed release is on your page."),
)
kind(
    "guarantee.claim_notice",
    _l(
        "The beneficiary claims on guarantee %(number)s for “%(title)s”; "
        "the signed claim is on your page."
    ),
)
kind(
    "award.report_received",
    _l("The evaluation report of “%(title)s” arrived: publish its candidates by %(due)s."),
)
kind(
    "award.publicity_started",
    _l("The award candidates of “%(title)s” are published until %(end)s."),
)
kind(
    "award.objection_raised",
    _l("An objection to the result of “%(title)s” awaits your answer by %(due)s."),
)
kind("award.objection_answered", _l("Your objection to the result of “%(title)s” was answered."))
kind(
    "award.won",
    _l(
        "Award notice: your bid won lot %(lot)s of “%(title)s” at %(amount)s yuan. "
        "The contract is due by %(due)s."
    ),
)
kind(
    "complaint.filed",
    _l("A complaint about “%(title)s” awaits your acceptance by %(due)s."),
)
kind("complaint.accepted", _l("Your complaint about “%(title)s” was accepted for review."))
kind("complaint.not_accepted", _l("Your complaint about “%(title)s” was not accepted."))
kind("complaint.decided", _l("Your complaint about “%(title)s” was decided: read the decision."))
kind("award.result", _l("Result notice: lot %(lot)s of “%(title)s” was awarded to %(winner)s."))
kind(
    "award.contract_overdue",
    _l("The contract of “%(title)s”, lot %(lot)s, was due by %(due)s and is not recorded."),
)


def when(tender: Tender, moment: datetime | str) -> str:
    """A moment as the tender's users read it: local date and time (and the zone unless it is
    China's, which the pages say is the default)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    text = clock.local(moment, tender.timezone).strftime("%Y-%m-%d %H:%M")
    return text if tender.timezone == "Asia/Shanghai" else f"{text} ({tender.timezone})"


def users_of(session: Session, organisation_ids: Iterable[int], *roles: Role) -> list[int]:
    ids = list(organisation_ids)
    if not ids:
        return []
    query = select(User.id).where(User.organisation_id.in_(ids), User.active.is_(True))
    if roles:
        query = query.where(User.role.in_(roles))
    return list(session.scalars(query))


def holders(session: Session, tender_id: int) -> list[int]:
    """The users of the bidders that hold the tender's documents."""
    organisations = session.scalars(
        select(Participation.organisation_id).where(Participation.tender_id == tender_id)
    )
    return users_of(session, organisations, Role.BIDDER)


def managers(session: Session, tender: Tender) -> list[int]:
    """The users who run the tender: its agency's and its tenderer's."""
    users = users_of(session, [tender.tenderer_id], Role.TENDERER)
    if tender.agency_id:
        users += users_of(session, [tender.agency_id], Role.AGENCY)
    return users


def _tender(session: Session, event: Event) -> Tender:
    return session.get(Tender, event.payload["tender_id"])


@notifier("tender.notice_issued")
def notice_issued(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    notice = next(n for n in tender.notices if n.id == event.payload["notice_id"])
    yield Message(
        holders(session, tender.id),
        f"tender.{notice.kind}",
        {"title": tender.title, "notice": notice.title},
        f"/tenders/{tender.id}#notice-{notice.id}",
    )


@notifier("tender.deadline_moved")
def deadline_moved(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    yield Message(
        holders(session, tender.id),
        "tender.deadline_moved",
        {"title": tender.title, "deadline": when(tender, event.payload["after"])},
        f"/tenders/{tender.id}",
    )


@notifier("tender.terminated")
def terminated(session: Session, event: Event) -> Iterator[Message]:
    if not event.payload.get("public"):
        return  # never published: nobody outside its managers knew of it
    tender = _tender(session, event)
    yield Message(
        holders(session, tender.id),
        "tender.terminated",
        {"title": tender.title, "reason": tender.termination_reason or ""},
        f"/tenders/{tender.id}",
    )


@notifier("tender.objection_raised")
def objection_raised(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    yield Message(
        managers(session, tender),
        "tender.objection_raised",
        {"title": tender.title, "due": when(tender, event.payload["answer_due_at"])},
        f"/agency/tenders/{tender.id}",
    )


@notifier("tender.objection_answered")
def objection_answered(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    objection = session.get(Objection, event.payload["objection_id"])
    yield Message(
        [objection.user_id],
        "tender.objection_answered",
        {"title": tender.title},
        f"/tenders/{tender.id}",
    )


@notifier("tender.filing_accepted", "tender.filing_returned")
def filing_decided(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    record = session.get(FilingRecord, event.payload["filing_id"])
    yield Message(
        managers(session, tender),
        event.type,
        {"title": tender.title, "reason": record.reason or ""},
        f"/agency/tenders/{tender.id}",
    )


@notifier("bid.sealed")
def bid_received(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    yield Message(
        users_of(session, [event.payload["organisation_id"]], Role.BIDDER),
        "bid.received",
        {"title": tender.title, "lot": event.payload["lot"], "at": when(tender, event.at)},
        f"/tenders/{tender.id}/bid",
    )


def _to_bidder(session: Session, event: Event, organisation_id: int, kind: str) -> Message:
    """A message about the bidder's bid security for the tender, to the bidder's users."""
    tender = _tender(session, event)
    return Message(
        users_of(session, [organisation_id], Role.BIDDER),
        kind,
        {"title": tender.title},
        f"/tenders/{tender.id}/bid",
    )


@notifier("guarantee.released")
def guarantee_released(session: Session, event: Event) -> Iterator[Message]:
    guarantee = session.get(Guarantee, event.payload["guarantee_id"])
    yield _to_bidder(session, event, guarantee.applicant_organisation_id, event.type)


@notifier("guarantee.released", "guarantee.claimed")
def notice_to_issuer(session: Session, event: Event) -> Iterator[Message]:
    """The issuer learns of the release or the claim it must act on, with the signed notice
    (trading.guarantees.notices) waiting on its guarantees page."""
    guarantee = session.get(Guarantee, event.payload["guarantee_id"])
    yield Message(
        users_of(session, [guarantee.issuer_organisation_id], Role.ISSUER),
        "guarantee.release_notice"
        if event.type == "guarantee.released"
        else "guarantee.claim_notice",
        {"number": guarantee.number, "title": guarantee.tender.title},
        "/issuer/guarantees",
    )


@notifier("deposit.refunded")
def deposit_refunded(session: Session, event: Event) -> Iterator[Message]:
    deposit = session.get(Deposit, event.payload["deposit_id"])
    yield _to_bidder(session, event, deposit.organisation_id, event.type)


# --- the award ----------------------------------------------------------------------------------


def bidders(session: Session, tender_id: int) -> list[int]:
    """The users of the organisations whose bid stands in the tender."""
    organisations = session.scalars(
        select(Bid.organisation_id)
        .where(Bid.tender_id == tender_id, Bid.state == BidState.SEALED)
        .distinct()
    )
    return users_of(session, list(organisations), Role.BIDDER)


@notifier("award.report_received")
def award_report_received(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    yield Message(
        managers(session, tender),
        event.type,
        {"title": tender.title, "due": when(tender, event.payload["publish_due_at"])},
        f"/agency/tenders/{tender.id}/award",
    )


@notifier("award.publicity_started")
def award_publicity_started(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    yield Message(
        bidders(session, tender.id) + managers(session, tender),
        event.type,
        {"title": tender.title, "end": when(tender, event.payload["end"])},
        f"/tenders/{tender.id}#award",
    )


@notifier("award.objection_raised")
def award_objection_raised(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    yield Message(
        managers(session, tender),
        event.type,
        {"title": tender.title, "due": when(tender, event.payload["answer_due_at"])},
        f"/agency/tenders/{tender.id}/award",
    )


@notifier("award.objection_answered")
def award_objection_answered(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    objection = session.get(AwardObjection, event.payload["objection_id"])
    yield Message(
        [objection.user_id], event.type, {"title": tender.title}, f"/tenders/{tender.id}#award"
    )


@notifier("award.decided")
def award_decided(session: Session, event: Event) -> Iterator[Message]:
    """The award notice (中标通知书) to the winner, the result notice to every other bidder."""
    tender = _tender(session, event)
    award = session.get(Award, event.payload["award_id"])
    winner = next(c for c in award.candidates if c["bid_id"] == award.winner_bid_id)
    winners = users_of(session, [winner["organisation_id"]], Role.BIDDER)
    yield Message(
        winners,
        "award.won",
        {
            "title": tender.title,
            "lot": award.lot_number,
            "amount": event.payload["amount"],
            "due": when(tender, award.contract_due_at),
        },
        f"/tenders/{tender.id}#award",
    )
    yield Message(
        [user for user in bidders(session, tender.id) if user not in winners],
        "award.result",
        {"title": tender.title, "lot": award.lot_number, "winner": winner["bidder"]},
        f"/tenders/{tender.id}#award",
    )


@notifier("award.contract_overdue")
def award_contract_overdue(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    award = session.get(Award, event.payload["award_id"])
    yield Message(
        managers(session, tender),
        event.type,
        {
            "title": tender.title,
            "lot": award.lot_number,
            "due": when(tender, event.payload["due_at"]),
        },
        f"/agency/tenders/{tender.id}/award",
    )


# --- complaints ---------------------------------------------------------------------------------


@notifier("complaint.filed")
def complaint_filed(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    supervisors = session.scalars(
        select(User.id).where(User.role == Role.SUPERVISOR, User.active.is_(True))
    )
    yield Message(
        list(supervisors),
        event.type,
        {"title": tender.title, "due": when(tender, event.payload["acceptance_due_at"])},
        "/supervision/complaints",
    )


@notifier("complaint.accepted", "complaint.not_accepted", "complaint.decided")
def complaint_handled(session: Session, event: Event) -> Iterator[Message]:
    tender = _tender(session, event)
    complaint = session.get(Complaint, event.payload["complaint_id"])
    yield Message(
        [complaint.user_id],
        event.type,
        {"title": tender.title, "outcome": event.payload.get("outcome", "")},
        f"/tenders/{tender.id}#complaints",
    )
