"""The opening hall's commands: one registry, each command applied once per client-made id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock, inputs
from bidhall.accounts.models import User
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidhall.events import emit
from bidhall.realtime.commands import CommandLog
from trading.bids import rules as bid_rules
from trading.opening.hall import (
    bid_in_hall,
    bid_number,
    bids_in_order,
    custodian_of,
    enter,
    hall_role,
    load_tender,
    objections_of,
    opening_of,
    post,
)
from trading.opening.jobs import advance, reschedule
from trading.opening.keys import (
    check_keys,
    guard_time,
    hand_in_platform_share,
    open_bid,
    parse_key,
    take_share,
)
from trading.opening.models import (
    HallAttendance,
    HallCommand,
    Opening,
    OpeningObjection,
)
from trading.opening.record import sign_record
from trading.opening.rules import (
    MAX_TEXT,
    OPENED,
    SYSTEM,
    UNDECIDED,
    HallRole,
    Outcome,
    Phase,
    check_phase,
    decrypt_window,
    read_items,
)
from trading.tenders.models import Tender, TenderState

#: the hall's commands applied once per client-made id (``bidhall.realtime.commands``)
COMMANDS = CommandLog(HallCommand, place="this hall")


@dataclass(frozen=True)
class Command:
    name: str
    roles: tuple[HallRole, ...]
    handler: Callable[[Session, User, Tender, Opening, dict], dict]
    # some commands (a custodian's shares) are authorized by something other than the role
    any_role: bool = False


_COMMANDS: dict[str, Command] = {}
_KEY_COMMANDS = ("decrypt", "share")


def _command(name: str, *roles: HallRole, any_role: bool = False):
    def register(handler):
        _COMMANDS[name] = Command(name, roles, handler, any_role)
        return handler

    return register


def command_names() -> list[str]:
    return sorted(_COMMANDS)


def run(user: User | None, tender_id: int, name: str, data: object) -> dict:
    """Apply one client command in one unit: authorize, apply, post to the hall, remember the
    result under the client's id (a retry returns it without applying the command again)."""
    if name not in _COMMANDS:
        raise NotFound(
            f"no hall command {name!r}; one of {', '.join(command_names())}",
            code="unknown_command",
        )
    command = _COMMANDS[name]
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden("sign in to act in the hall", code="not_in_hall")
    if name in _KEY_COMMANDS:
        # a key or share before the opening time: refused and recorded, in a unit of its own
        role, tender = enter(user, tender_id)
        _authorize(command, role)
        guard_time(user, tender, data.get("bid_id") if isinstance(data, dict) else None, name)

    def admit(session: Session) -> tuple[dict, tuple[Tender, Opening]]:
        # lock the hall's tender (its messages' seq), then authorize
        tender = load_tender(session, tender_id, lock=True)
        opening = opening_of(session, tender)
        _authorize(command, hall_role(user, tender, opening))
        return {"tender_id": tender.id}, (tender, opening)

    def apply(session: Session, hall: tuple[Tender, Opening]) -> dict:
        tender, opening = hall
        if tender.state == TenderState.TERMINATED:
            raise Conflict(
                "the tender was terminated: the hall is closed", code="tender_terminated"
            )
        return command.handler(session, user, tender, opening, data)

    return COMMANDS.run_once(user.id, name, data, admit=admit, apply=apply)


def _authorize(command: Command, role: HallRole) -> None:
    if not command.any_role and role not in command.roles:
        raise Forbidden(
            f"{command.name} is for the hall's {' or '.join(r.value for r in command.roles)}",
            code="not_allowed_in_hall",
        )


@_command("sign_in", HallRole.BIDDER, HallRole.MANAGER, HallRole.SUPERVISOR)
def _sign_in(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    if opening.phase not in (Phase.WAITING, Phase.DECRYPTING):
        raise Conflict("sign-in closes when the reading out starts", code="sign_in_closed")
    role = hall_role(user, tender, opening)
    existing = session.scalar(
        select(HallAttendance).where(
            HallAttendance.tender_id == tender.id, HallAttendance.user_id == user.id
        )
    )
    if existing is not None:
        return {"signed_in_at": existing.signed_in_at.isoformat()}
    row = HallAttendance(
        tender_id=tender.id,
        user_id=user.id,
        organisation_id=user.organisation_id,
        role=role.value,
        signed_in_at=clock.now(),
    )
    session.add(row)
    session.flush()
    shown = bid_rules.disclosure(tender.bid_deadline, row.signed_in_at, opening.phase)
    if role == HallRole.BIDDER and not shown.counts:
        # before the opening even a nameless "a bidder signed in" lets the hall count the
        # bidders (Law Art 22): the ledger records it, the hall counts the present from the
        # opening on
        emit("opening.signed_in", user, tender_id=tender.id, role=role.value)
        return {"signed_in_at": row.signed_in_at.isoformat()}
    roles = list(
        session.scalars(select(HallAttendance.role).where(HallAttendance.tender_id == tender.id))
    )
    bidders = roles.count(HallRole.BIDDER.value)
    seq = post(
        session,
        opening,
        user,
        "signed_in",
        role=role.value,  # never a bidder's name before the reading out, nor a count before
        bidders_present=bidders if shown.counts else None,  # the opening (Law Art 22)
        staff_present=len(roles) - bidders,
    )
    return {"seq": seq, "signed_in_at": row.signed_in_at.isoformat()}


@_command("say", HallRole.MANAGER)
def _say(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    text = _text(data, "text", 1000)
    return {"seq": post(session, opening, user, "announcement", text=text)}


@_command("decrypt", HallRole.BIDDER)
def _decrypt(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    check_phase(opening, Phase.DECRYPTING, "decrypting only happens in the decryption window")
    bid = bid_in_hall(session, opening, data.get("bid_id"))
    if bid.organisation_id != user.organisation_id:
        raise NotFound(f"no bid {bid.id} of yours in this hall", code="bid_not_found")
    if bid.opening_outcome not in UNDECIDED:
        raise Conflict(
            f"this bid is already {bid.opening_outcome}", code=f"bid_{bid.opening_outcome}"
        )
    summary_key = parse_key(data, "summary_key")
    documents_key = parse_key(data, "documents_key")
    summary = check_keys(bid, summary_key, documents_key)
    open_bid(session, opening, bid, summary, summary_key, documents_key)
    number = bid_number(opening, bid)
    seq = post(session, opening, user, "decrypted", bid_no=number, path="holder")
    emit("bid.decrypted", user, tender_id=tender.id, bid_id=bid.id, section="both", path="holder")
    advance(session, tender, opening)
    return {"seq": seq, "bid_no": number}


@_command("excuse", HallRole.MANAGER)
def _excuse(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    check_phase(opening, Phase.DECRYPTING, "a failure is excused during the decryption window")
    if not tender.custodian_fallback:
        raise Conflict(
            "this tender's documents allow no custodian fallback", code="fallback_not_allowed"
        )
    bid = bid_in_hall(session, opening, data.get("bid_id"))
    if bid.opening_outcome != Outcome.PENDING:
        raise Conflict(
            f"this bid is already {bid.opening_outcome}", code=f"bid_{bid.opening_outcome}"
        )
    reason = _text(data, "reason", MAX_TEXT, minimum=5)
    now = clock.now()
    bid.opening_outcome = Outcome.EXCUSED
    bid.excuse_reason = reason
    bid.excused_at = now
    bid.excused_by_id = user.id
    number = bid_number(opening, bid)
    seq = post(
        session,
        opening,
        user,
        "excused",
        bid_no=number,
        reason=reason,
        threshold=tender.custodian_threshold,
        shares_due=(now + decrypt_window(tender)).isoformat(),
    )
    hand_in_platform_share(session, tender, opening, bid)
    reschedule(opening, tender, session)
    return {"seq": seq, "bid_no": number}


@_command("share", any_role=True)
def _share(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    custodian = custodian_of(session, tender.id, user)
    if custodian is None:
        raise Forbidden("only the tender's opening custodians hand in shares", code="not_custodian")
    check_phase(opening, Phase.DECRYPTING, "shares are handed in during the decryption window")
    bid = bid_in_hall(session, opening, data.get("bid_id"))
    if bid.opening_outcome != Outcome.EXCUSED:
        raise Conflict(
            "shares are asked only for a bid whose failure the agency excused",
            code="not_excused",
        )
    shares = {
        "summary": parse_key(data, "summary_share"),
        "documents": parse_key(data, "documents_share"),
    }
    return take_share(session, tender, opening, bid, custodian, user, shares)


@_command("read_next", HallRole.MANAGER)
def _read_next(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    check_phase(opening, Phase.READING, "the reading out starts once every bid is decided")
    bids = bids_in_order(session, opening)
    number, bid = bids[opening.read_count]
    opening.read_count += 1
    items = read_items(bid.summary) if bid.opening_outcome in OPENED else []
    lots = [lot.number for lot in tender.lots]
    problems = bid_rules.summary_problems(bid.summary, lots, bid.lot_number) if items else []
    seq = post(
        session,
        opening,
        user,
        "read_out",
        bid_no=number,
        of=len(bids),
        lot=bid.lot_number,
        bidder=bid.organisation.name,
        manifest_sha256=bid.manifest_sha256,
        outcome=bid.opening_outcome,
        items=items,
        **({"problems": problems} if problems else {}),
    )
    if opening.read_count == len(bids):
        opening.phase = Phase.READ
        post(session, opening, SYSTEM, "reading_finished", bids=len(bids))
    return {"seq": seq, "bid_no": number}


@_command("object", HallRole.BIDDER)
def _object(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    if opening.phase not in (Phase.DECRYPTING, Phase.READING, Phase.READ):
        raise Conflict(
            "objections to the opening are raised while the hall is open", code="hall_not_open"
        )
    text = _text(data, "text", MAX_TEXT, minimum=5)
    number = (
        session.scalar(
            select(func.max(OpeningObjection.number)).where(OpeningObjection.tender_id == tender.id)
        )
        or 0
    ) + 1
    row = OpeningObjection(
        tender_id=tender.id,
        number=number,
        organisation_id=user.organisation_id,
        user_id=user.id,
        text=text,
        raised_at=clock.now(),
    )
    session.add(row)
    session.flush()
    names_public = opening.phase in (Phase.READING, Phase.READ)
    seq = post(
        session,
        opening,
        user,
        "objection",
        number=number,
        bidder=user.organisation.name if names_public else None,
        text=text,
    )
    return {"seq": seq, "number": number}


@_command("answer", HallRole.MANAGER)
def _answer(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    number = inputs.integer(data.get("number"), "number", minimum=1, what="the objection's number")
    text = _text(data, "text", MAX_TEXT, minimum=2)
    row = session.scalar(
        select(OpeningObjection).where(
            OpeningObjection.tender_id == tender.id, OpeningObjection.number == number
        )
    )
    if row is None:
        raise NotFound(f"no objection {number} in this hall", code="objection_not_found")
    if row.answer is not None:
        raise Conflict("this objection was already answered", code="already_answered")
    row.answer = text
    row.answered_at = clock.now()
    row.answered_by_id = user.id
    seq = post(session, opening, user, "answer", number=number, text=text)
    return {"seq": seq, "number": number}


@_command("close", HallRole.MANAGER)
def _close(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    check_phase(opening, Phase.READ, "the hall closes after every bid was read out")
    unanswered = [o.number for o in objections_of(session, tender.id) if o.answer is None]
    if unanswered:
        raise Conflict(
            "answer every objection before closing: " + ", ".join(f"No. {n}" for n in unanswered),
            code="objections_unanswered",
            objections=unanswered,
        )
    now = clock.now()
    opening.phase = Phase.CLOSED
    opening.closed_at = now
    opening.next_check_at = None
    tender.state = TenderState.OPENED
    sign_record(session, tender, opening, now)
    seq = post(session, opening, user, "closed", record_sha256=opening.record_sha256)
    emit(
        "opening.record_published",
        user,
        tender_id=tender.id,
        record_sha256=opening.record_sha256,
        bids=len(opening.read_order),
    )
    return {"seq": seq, "record_sha256": opening.record_sha256}


def _text(data: dict, field: str, limit: int, *, minimum: int = 1) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not minimum <= len(value.strip()) <= limit:
        raise InvalidInput(
            f"{field}: text of {minimum} to {limit} characters", code="invalid_field", field=field
        )
    return value.strip()
