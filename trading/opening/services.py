"""The online opening hall (不见面开标, DOMAIN.md §2 step 7; E-Rules Art 29-31, Regs Art 44).

At the deadline the tick locks the bids; fewer than 3 on a lot and the lot fails (all lots: the
tender fails and is re-tendered). Each bidder then decrypts remotely within the window: its own
machine unwraps the data keys, and the platform accepts them only if they decrypt and
authenticate the bidder's ciphertext (never a plaintext). A bid not decrypted in time is revoked
(撤销); when the agency records that the failure is not the bidder's fault, the custodians hand
in their shares and t of them reconstruct the keys, or else the bid is treated as withdrawn
(撤回). When every bid is decided, the host reads the summaries out (唱标) in the fixed order of
submission, objections are raised and answered in the hall, and the closing signs and publishes
the opening record with the summary keys (document keys stay secret).

Everything said in the hall is a ``HallMessage`` with a gap-free per-tender ``seq``, persisted in
the same unit as the change and emitted as a ``hall.*`` domain event (so the ledger sees the whole
opening); Socket.IO broadcasts it after the commit. Every command carries a client-made id and a
retry gets the first result back without being applied again.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from bidhall import canonical, clock, envelope, inputs, storage
from bidhall.accounts.models import Organisation, Role, User
from bidhall.crypto import services as pki
from bidhall.crypto import signed
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from bidhall.events import Event, emit
from trading.bids import rules
from trading.bids.models import Bid, BidState
from trading.bids.services import guard_opening
from trading.opening.models import (
    CustodianShare,
    HallAttendance,
    HallCommand,
    HallMessage,
    Opening,
    OpeningObjection,
)
from trading.tenders.models import Tender, TenderCustodian, TenderState

RECORD_FORMAT = "bidhall-opening-record/1"
MIN_BIDS = 3  # Regs Art 44
READ_ITEMS = ("lot", "price", "duration_days", "quality", "project_manager", "key_commitments")
MAX_TEXT = 2000
SYSTEM = "system:opening"


class Phase(enum.StrEnum):
    WAITING = "waiting"  # before the deadline: sign-in, countdown
    DECRYPTING = "decrypting"  # bids locked; bidders decrypt within the window
    READING = "reading"  # every bid decided; the host reads out
    READ = "read"  # all read out; objections answered; the host may close
    CLOSED = "closed"  # record signed and published
    FAILED = "failed"  # fewer than 3 bids: re-tender


class Outcome(enum.StrEnum):
    PENDING = "pending"
    DECRYPTED = "decrypted"  # by the bidder, remotely
    EXCUSED = "excused"  # not the bidder's fault (agency's decision): custodians' shares asked
    RECOVERED = "recovered"  # decrypted from t custodian shares
    REVOKED = "revoked"  # not decrypted in time, the bidder's fault (撤销)
    WITHDRAWN = "withdrawn"  # not decrypted, not its fault, no recovery (撤回)
    LOT_FAILED = "lot_failed"  # its lot had fewer than 3 bids: not opened


UNDECIDED = (Outcome.PENDING, Outcome.EXCUSED)
OPENED = (Outcome.DECRYPTED, Outcome.RECOVERED)


# --- who is who in a hall -----------------------------------------------------------------------


class HallRole(enum.StrEnum):
    MANAGER = "manager"  # the tenderer or its agency: hosts the opening
    SUPERVISOR = "supervisor"
    BIDDER = "bidder"  # an organisation with a bid in the tender
    PUBLIC = "public"  # anyone, read-only, once the names are public (reading out)


def hall_role(user: User | None, tender: Tender, opening: Opening | None) -> HallRole:
    from trading.tenders.services import can_manage

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


def _custodian(session: Session, tender_id: int, user: User) -> TenderCustodian | None:
    return session.scalar(
        select(TenderCustodian).where(
            TenderCustodian.tender_id == tender_id, TenderCustodian.user_id == user.id
        )
    )


# --- reading the hall ---------------------------------------------------------------------------


def enter(user: User | None, tender_id: int) -> tuple[HallRole, Tender]:
    """Refuse early anyone who may not be in this hall; returns the caller's role."""
    tender = _tender(db.session, tender_id)
    return hall_role(user, tender, _find_opening(db.session, tender.id)), tender


def messages_after(user: User | None, tender_id: int, after: int | None) -> list[dict]:
    """What a client that last saw ``after`` missed, in order (every message in the hall is
    meant for everyone in it; nothing secret is ever said there)."""
    enter(user, tender_id)
    return missed(tender_id, after)


def missed(tender_id: int, after: int | None) -> list[dict]:
    """The messages after seq ``after``, for a caller already admitted by ``enter``."""
    rows = db.session.scalars(
        select(HallMessage)
        .where(HallMessage.tender_id == tender_id, HallMessage.seq > (after or 0))
        .order_by(HallMessage.seq)
    )
    return [message_json(row) for row in rows]


def message_json(row: HallMessage) -> dict:
    return {
        "tender_id": row.tender_id,
        "seq": row.seq,
        "type": row.type,
        "at": row.at.isoformat(),
        "payload": row.payload,
    }


def state(user: User | None, tender_id: int) -> dict:
    """The hall as this caller may see it: phase, clock, presence and the bid list (counted
    from the deadline, named from the reading out, to staff as to everyone: Law Art 22,
    ``rules.disclosure``; a bidder's own always) and the caller's own tasks."""
    role, tender = enter(user, tender_id)
    return snapshot(user, role, tender)


def snapshot(user: User | None, role: HallRole, tender: Tender) -> dict:
    """``state`` for a caller already admitted by ``enter`` (the socket's join: one check)."""
    opening = _find_opening(db.session, tender.id)
    phase = Phase(opening.phase) if opening else Phase.WAITING
    shown = rules.disclosure(tender.bid_deadline, clock.now(), phase)
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
    bids = _bids_in_order(db.session, opening) if opening is not None else []
    result["bids"] = [
        # the host and the custodians act on a bid by its id, which names no firm
        _bid_view(number, bid, names=shown.names or _own(user, bid), with_id=staff)
        for number, bid in bids
    ]
    if role == HallRole.BIDDER:
        result["my_bids"] = [
            {"bid_id": bid.id, "bid_no": number, "lot": bid.lot_number}
            for number, bid in bids
            if _own(user, bid)
        ]
    if role in (HallRole.MANAGER, HallRole.SUPERVISOR):
        custodian = _custodian(db.session, tender.id, user)
        if custodian is not None:
            result["custodian"] = {"x": custodian.x, "threshold": tender.custodian_threshold}
    if opening is not None:
        result["objections"] = [
            _objection_view(
                o,
                names=shown.names
                or (
                    role == HallRole.BIDDER
                    and o.organisation_id == getattr(user, "organisation_id", None)
                ),
            )
            for o in _objections(db.session, tender.id)
        ]
    return result


def _own(user: User | None, bid: Bid) -> bool:
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
    tender_id: int, user: User | None, shown: rules.Disclosure, *, staff: bool
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


def _objection_view(o: OpeningObjection, *, names: bool = True) -> dict:
    return {
        "number": o.number,
        "bidder": o.organisation.name if names else None,
        "text": o.text,
        "raised_at": o.raised_at.isoformat(),
        "answer": o.answer,
        "answered_at": o.answered_at.isoformat() if o.answered_at else None,
    }


def _objections(session: Session, tender_id: int) -> list[OpeningObjection]:
    return list(
        session.scalars(
            select(OpeningObjection)
            .where(OpeningObjection.tender_id == tender_id)
            .order_by(OpeningObjection.number)
        )
    )


def envelope_headers(user: User, tender_id: int) -> list[dict]:
    """The headers (wrapped keys, never plaintext) of the envelopes the caller can unlock: a
    bidder its own bids, a custodian the excused bids awaiting its shares. Before the opening
    time this is refused and recorded like any other key request."""
    role, tender = enter(user, tender_id)
    opening = _find_opening(db.session, tender_id)
    _guard_time(user, tender, None, "envelope_headers")
    if opening is None or opening.phase != Phase.DECRYPTING:
        raise Conflict("the hall is not in its decryption window", code="not_decrypting")
    custodian = _custodian(db.session, tender.id, user)
    result = []
    for number, bid in _bids_in_order(db.session, opening):
        mine = role == HallRole.BIDDER and _own(user, bid) and bid.opening_outcome in UNDECIDED
        shares = custodian is not None and bid.opening_outcome == Outcome.EXCUSED
        if not (mine or shares):
            continue
        with storage.get().open(bid.storage_key) as stream:
            sealed = envelope.inspect(stream, hash_sections=False)
        result.append(
            {
                "bid_id": bid.id,
                "bid_no": number,
                "lot": bid.lot_number,
                "as": "holder" if mine else "custodian",
                "custodian_fingerprint": custodian.certificate_fingerprint if shares else None,
                "header": sealed.header,
            }
        )
    return result


def record(tender_id: int) -> dict:
    """The signed opening record, public once the hall is closed."""
    return json.loads(record_bytes(tender_id))


def record_bytes(tender_id: int) -> bytes:
    """The record exactly as signed and hashed: its SHA-256 is the hall's ``record_sha256``."""
    opening = _find_opening(db.session, inputs.identifier(tender_id, "tender_id"))
    if opening is None or opening.record is None:
        raise NotFound(
            "this tender has no published opening record (yet)", code="record_not_published"
        )
    return opening.record.encode()


# --- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    name: str
    roles: tuple[HallRole, ...]
    handler: Callable[[Session, User, Tender, Opening, dict], dict]
    # some commands (a custodian's shares) are authorized by something other than the role
    any_role: bool = False


_COMMANDS: dict[str, Command] = {}


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
        _guard_time(user, tender, data.get("bid_id") if isinstance(data, dict) else None, name)
    try:
        # one unit: lock the hall's tender (its messages' seq), authorize, apply, remember
        with db.transaction() as session:
            tender = _tender(session, tender_id, lock=True)
            opening = _opening(session, tender)
            _authorize(command, hall_role(user, tender, opening))
            if not isinstance(data, dict):
                raise InvalidInput("the command's data must be a JSON object", code="invalid_body")
            cmd_id = data.get("cmd_id")
            if not isinstance(cmd_id, str) or not 1 <= len(cmd_id) <= 64:
                raise InvalidInput(
                    "every command carries a client-made id: cmd_id, 1 to 64 characters",
                    code="invalid_field",
                    field="cmd_id",
                )
            digest = _request_digest(data)
            previous = _previous(session, user.id, tender.id, name, cmd_id, digest)
            if previous is not None:
                return previous
            if tender.state == TenderState.TERMINATED:
                raise Conflict(
                    "the tender was terminated: the hall is closed", code="tender_terminated"
                )
            result = command.handler(session, user, tender, opening, data)
            result = {"ok": True, "command": name, "cmd_id": cmd_id, **result}
            session.add(
                HallCommand(
                    tender_id=tender.id,
                    user_id=user.id,
                    cmd_id=cmd_id,
                    name=name,
                    request_sha256=digest,
                    at=clock.now(),
                    result=result,
                )
            )
            session.flush()
    except IntegrityError:
        # the same id raced in from another connection or process: the first one won
        previous = _previous(
            db.session, user.id, tender_id, name, data["cmd_id"], _request_digest(data)
        )
        db.session.rollback()
        if previous is None:
            raise
        return previous
    return result


def _authorize(command: Command, role: HallRole) -> None:
    if not command.any_role and role not in command.roles:
        raise Forbidden(
            f"{command.name} is for the hall's {' or '.join(r.value for r in command.roles)}",
            code="not_allowed_in_hall",
        )


def _request_digest(data: dict) -> str:
    # tender_id is the hall, already part of the scope (in the socket data, in the HTTP path)
    content = {key: value for key, value in data.items() if key not in ("cmd_id", "tender_id")}
    return hashlib.sha256(canonical.canonical(content)).hexdigest()


def _previous(
    session: Session, user_id: int, tender_id: int, name: str, cmd_id: str, digest: str
) -> dict | None:
    """The first result of this command if this user already sent it to this hall with this id
    (a retry); the same id with other content is refused, never taken for the first command."""
    row = session.execute(
        select(HallCommand.result, HallCommand.request_sha256).where(
            HallCommand.user_id == user_id,
            HallCommand.tender_id == tender_id,
            HallCommand.name == name,
            HallCommand.cmd_id == cmd_id,
        )
    ).first()
    if row is None:
        return None
    if row.request_sha256 and row.request_sha256 != digest:  # "": recorded before 0011
        raise Conflict(
            f"cmd_id {cmd_id!r} was already used for another {name} in this hall: "
            "make a new id for each command",
            code="cmd_id_reused",
            field="cmd_id",
        )
    return dict(row.result) | {"replayed": True}


_KEY_COMMANDS = ("decrypt", "share")


def _guard_time(user: User, tender: Tender, bid_id: object, what: str) -> None:
    guard_opening(user, tender, bid_id if isinstance(bid_id, int) else None, what)


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
    shown = rules.disclosure(tender.bid_deadline, row.signed_in_at, opening.phase)
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
    seq = _post(
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
    return {"seq": _post(session, opening, user, "announcement", text=text)}


@_command("decrypt", HallRole.BIDDER)
def _decrypt(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    _require_phase(opening, Phase.DECRYPTING, "decrypting only happens in the decryption window")
    bid = _bid_in_hall(session, opening, data.get("bid_id"))
    if bid.organisation_id != user.organisation_id:
        raise NotFound(f"no bid {bid.id} of yours in this hall", code="bid_not_found")
    if bid.opening_outcome not in UNDECIDED:
        raise Conflict(
            f"this bid is already {bid.opening_outcome}", code=f"bid_{bid.opening_outcome}"
        )
    summary_key = _key(data, "summary_key")
    documents_key = _key(data, "documents_key")
    summary = _check_keys(bid, summary_key, documents_key)
    _open(session, opening, bid, summary, summary_key, documents_key)
    number = _number(opening, bid)
    seq = _post(session, opening, user, "decrypted", bid_no=number, path="holder")
    emit("bid.decrypted", user, tender_id=tender.id, bid_id=bid.id, section="both", path="holder")
    _advance(session, tender, opening)
    return {"seq": seq, "bid_no": number}


@_command("excuse", HallRole.MANAGER)
def _excuse(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    _require_phase(opening, Phase.DECRYPTING, "a failure is excused during the decryption window")
    if not tender.custodian_fallback:
        raise Conflict(
            "this tender's documents allow no custodian fallback", code="fallback_not_allowed"
        )
    bid = _bid_in_hall(session, opening, data.get("bid_id"))
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
    number = _number(opening, bid)
    seq = _post(
        session,
        opening,
        user,
        "excused",
        bid_no=number,
        reason=reason,
        threshold=tender.custodian_threshold,
        shares_due=(now + _window(tender)).isoformat(),
    )
    # the platform is one of the custodians: its share goes in at once
    platform = session.scalar(
        select(TenderCustodian).where(
            TenderCustodian.tender_id == tender.id, TenderCustodian.role == "platform"
        )
    )
    if platform is not None:
        private, _ = pki.platform_custodian()
        with storage.get().open(bid.storage_key) as stream:
            header = envelope.inspect(stream, hash_sections=False).header
        shares = envelope.opening_secrets(header, private, platform.certificate_fingerprint)
        _take_share(session, tender, opening, bid, platform, None, shares)
    _reschedule(opening, tender, session)
    return {"seq": seq, "bid_no": number}


@_command("share", any_role=True)
def _share(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    custodian = _custodian(session, tender.id, user)
    if custodian is None:
        raise Forbidden("only the tender's opening custodians hand in shares", code="not_custodian")
    _require_phase(opening, Phase.DECRYPTING, "shares are handed in during the decryption window")
    bid = _bid_in_hall(session, opening, data.get("bid_id"))
    if bid.opening_outcome != Outcome.EXCUSED:
        raise Conflict(
            "shares are asked only for a bid whose failure the agency excused",
            code="not_excused",
        )
    shares = {
        "summary": _key(data, "summary_share"),
        "documents": _key(data, "documents_share"),
    }
    return _take_share(session, tender, opening, bid, custodian, user, shares)


def _take_share(
    session: Session,
    tender: Tender,
    opening: Opening,
    bid: Bid,
    custodian: TenderCustodian,
    user: User | None,
    shares: dict[str, bytes],
) -> dict:
    existing = session.scalar(
        select(CustodianShare).where(
            CustodianShare.bid_id == bid.id, CustodianShare.x == custodian.x
        )
    )
    if existing is not None:
        raise Conflict("this custodian's shares are already in", code="share_already_in")
    session.add(
        CustodianShare(
            bid_id=bid.id,
            x=custodian.x,
            user_id=user.id if user else None,
            submitted_at=clock.now(),
            summary_share=shares["summary"].hex(),
            documents_share=shares["documents"].hex(),
        )
    )
    session.flush()
    rows = list(session.scalars(select(CustodianShare).where(CustodianShare.bid_id == bid.id)))
    number = _number(opening, bid)
    actor = user if user is not None else SYSTEM
    if len(rows) < tender.custodian_threshold:
        seq = _post(
            session,
            opening,
            actor,
            "share_received",
            bid_no=number,
            custodian=custodian.role,
            shares=len(rows),
            threshold=tender.custodian_threshold,
        )
        return {"seq": seq, "bid_no": number, "shares": len(rows), "recovered": False}
    keys = {
        section: envelope.combine_shares(
            [(r.x, bytes.fromhex(getattr(r, f"{section}_share"))) for r in rows]
        )
        for section in envelope.SECTIONS
    }
    try:
        summary = _check_keys(bid, keys["summary"], keys["documents"])
    except envelope.EnvelopeRefused:
        raise Conflict(
            "the shares handed in do not reconstruct this bid's keys: a share is wrong",
            code="shares_do_not_match",
        ) from None
    for r in rows:  # used: erase them, keep the fact of submission
        r.summary_share = None
        r.documents_share = None
    _open(session, opening, bid, summary, keys["summary"], keys["documents"])
    bid.opening_outcome = Outcome.RECOVERED
    seq = _post(
        session,
        opening,
        actor,
        "recovered",
        bid_no=number,
        custodian=custodian.role,
        shares=len(rows),
    )
    emit(
        "bid.decrypted",
        actor,
        tender_id=tender.id,
        bid_id=bid.id,
        section="both",
        path="custodians",
    )
    _advance(session, tender, opening)
    return {"seq": seq, "bid_no": number, "shares": len(rows), "recovered": True}


@_command("read_next", HallRole.MANAGER)
def _read_next(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    _require_phase(opening, Phase.READING, "the reading out starts once every bid is decided")
    bids = _bids_in_order(session, opening)
    number, bid = bids[opening.read_count]
    opening.read_count += 1
    items = read_items(bid.summary) if bid.opening_outcome in OPENED else []
    seq = _post(
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
    )
    if opening.read_count == len(bids):
        opening.phase = Phase.READ
        _post(session, opening, SYSTEM, "reading_finished", bids=len(bids))
    return {"seq": seq, "bid_no": number}


def read_items(summary: dict | None) -> list[list]:
    """The items announced for a bid, verbatim from its decrypted summary in a fixed order: the
    server computes nothing (no total, no rank) that anyone could dispute later."""
    if not summary:
        return []
    return [[item, summary[item]] for item in READ_ITEMS if item in summary]


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
    seq = _post(
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
    seq = _post(session, opening, user, "answer", number=number, text=text)
    return {"seq": seq, "number": number}


@_command("close", HallRole.MANAGER)
def _close(session: Session, user: User, tender: Tender, opening: Opening, data: dict) -> dict:
    _require_phase(opening, Phase.READ, "the hall closes after every bid was read out")
    unanswered = [o.number for o in _objections(session, tender.id) if o.answer is None]
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
    document = signed.sign(_record_body(session, tender, opening, now), "record")
    text = canonical.canonical(document).decode()
    opening.record = text
    opening.record_sha256 = hashlib.sha256(text.encode()).hexdigest()
    seq = _post(session, opening, user, "closed", record_sha256=opening.record_sha256)
    emit(
        "opening.record_published",
        user,
        tender_id=tender.id,
        record_sha256=opening.record_sha256,
        bids=len(opening.read_order),
    )
    return {"seq": seq, "record_sha256": opening.record_sha256}


# --- the record ---------------------------------------------------------------------------------


def _record_body(session: Session, tender: Tender, opening: Opening, now: datetime) -> dict:
    bids = []
    for number, bid in _bids_in_order(session, opening):
        entry: dict[str, Any] = {
            "bid_no": number,
            "lot": bid.lot_number,
            "bidder": {
                "name": bid.organisation.name,
                "credit_code": bid.organisation.credit_code,
            },
            "received_at": bid.received_at.isoformat(),
            "receipt_ledger_seq": bid.ledger_seq,
            "manifest_sha256": bid.manifest_sha256,
            "outcome": bid.opening_outcome,
            "decrypted_at": bid.decrypted_at.isoformat() if bid.decrypted_at else None,
            "excuse_reason": bid.excuse_reason,
        }
        if bid.opening_outcome in OPENED:
            with storage.get().open(bid.storage_key) as stream:
                sealed = envelope.inspect(stream, hash_sections=False)
                entry["envelope"] = envelope.summary_excerpt(stream, sealed)
            entry["summary_key"] = base64.b64encode(bytes.fromhex(bid.summary_key)).decode()
            entry["items"] = read_items(bid.summary)
        bids.append(entry)
    return {
        "format": RECORD_FORMAT,
        "suite": envelope.SUITE,
        "tender": {
            "id": tender.id,
            "reference": tender.reference,
            "title": tender.title,
            "tenderer": tender.tenderer.name,
            "agency": tender.agency.name if tender.agency else None,
            "bid_deadline": tender.bid_deadline.isoformat(),
        },
        "opened_at": opening.started_at.isoformat(),
        "decrypt_deadline": opening.decrypt_deadline.isoformat(),
        "closed_at": now.isoformat(),
        "read_order": "lot, then order of receipt",
        "bids": bids,
        "objections": [_objection_view(o) for o in _objections(session, tender.id)],
        # the hall's messages up to the closing (the closing message itself follows the record)
        "hall_last_seq": opening.last_seq,
    }


@dataclass(frozen=True)
class Finding:
    ok: bool
    problems: list[str]
    bids: int
    opened: int


def verify_record(document: object, root_pem: str | None = None) -> Finding:
    """Re-check a published opening record with nothing but the record: the platform's
    signature and chain, then for every opened bid its envelope excerpt (header bound to the
    bidder's signed manifest, the summary ciphertext's hash) decrypted with the published key,
    and each announced item against the decrypted summary."""
    body = signed.verify(document, "record", RECORD_FORMAT, "opening record", root_pem)
    from cryptography import x509

    platform_chain = [x509.load_pem_x509_certificate(p.encode()) for p in document["chain"]]
    root = x509.load_pem_x509_certificate(root_pem.encode()) if root_pem else platform_chain[-1]
    issuing = platform_chain[:-1]  # the CA that issued the platform's and the bidders' certificates
    problems: list[str] = []
    opened = 0
    for entry in body.get("bids", []):
        label = f"bid No. {entry.get('bid_no')} ({(entry.get('bidder') or {}).get('name')})"
        if entry.get("outcome") not in OPENED:
            continue
        opened += 1
        try:
            key = base64.b64decode(entry["summary_key"], validate=True)
            summary, sealed = envelope.open_summary_excerpt(entry["envelope"], key)
        except (KeyError, TypeError, ValueError, binascii.Error):
            problems.append(f"{label}: the published key or envelope is missing or malformed")
            continue
        except DomainError as error:
            problems.append(f"{label}: {error.message}")
            continue
        if not (
            signed.chains_to(sealed.signer, sealed.chain, root)
            or signed.chains_to(sealed.signer, issuing, root)
        ):
            problems.append(f"{label}: the bidder's certificate was not issued by the platform CA")
        if sealed.manifest_sha256 != entry.get("manifest_sha256"):
            problems.append(f"{label}: the envelope is not the one whose receipt was issued")
        if sealed.tender_id != body["tender"]["id"] or sealed.lot != entry.get("lot"):
            problems.append(f"{label}: the envelope was sealed for another tender or lot")
        if read_items(summary) != entry.get("items"):
            problems.append(f"{label}: the announced items differ from the sealed summary")
    return Finding(
        ok=not problems, problems=problems, bids=len(body.get("bids", [])), opened=opened
    )


# --- the tick -----------------------------------------------------------------------------------


def tick(now: datetime) -> list[dict]:
    """Start the openings that are due and close the decryption windows that ended."""
    starting = list(
        db.session.scalars(
            select(Tender.id)
            .outerjoin(Opening, Opening.tender_id == Tender.id)
            .where(
                Tender.state == TenderState.CLOSED,
                Tender.bid_deadline <= now,
                (Opening.id.is_(None)) | (Opening.phase == Phase.WAITING),
            )
        )
    )
    due = list(
        db.session.scalars(
            select(Opening.tender_id).where(
                Opening.next_check_at.is_not(None), Opening.next_check_at <= now
            )
        )
    )
    db.session.rollback()
    results = []
    for tender_id in starting:
        with db.transaction() as session:
            tender = _tender(session, tender_id, lock=True)
            opening = _opening(session, tender)
            if opening.phase == Phase.WAITING and tender.state == TenderState.CLOSED:
                results.append(
                    {"tender_id": tender_id, "opening": _start(session, tender, opening)}
                )
    for tender_id in due:
        with db.transaction() as session:
            tender = _tender(session, tender_id, lock=True)
            opening = _opening(session, tender)
            if tender.state != TenderState.CLOSED:
                opening.next_check_at = None  # terminated during the opening: nothing more due
                continue
            if opening.next_check_at is not None and opening.next_check_at <= now:
                happened = _expire(session, tender, opening, now)
                if happened:
                    results.append({"tender_id": tender_id, "expired": happened})
    return results


def _start(session: Session, tender: Tender, opening: Opening) -> str:
    now = clock.now()
    bids = list(
        session.scalars(
            select(Bid)
            .where(Bid.tender_id == tender.id, Bid.state == BidState.SEALED)
            .order_by(Bid.lot_number, Bid.ledger_seq, Bid.id)
        )
    )
    per_lot: dict[int, int] = {}
    for bid in bids:
        per_lot[bid.lot_number] = per_lot.get(bid.lot_number, 0) + 1
    failed_lots = sorted(lot.number for lot in tender.lots if per_lot.get(lot.number, 0) < MIN_BIDS)
    opening.started_at = tender.bid_deadline
    opening.read_order = [bid.id for bid in bids]
    for bid in bids:
        bid.opening_outcome = (
            Outcome.LOT_FAILED if bid.lot_number in failed_lots else Outcome.PENDING
        )
    listed = [
        {
            "bid_no": number,
            "lot": bid.lot_number,
            "manifest_sha256": bid.manifest_sha256,
            "received_at": bid.received_at.isoformat(),
        }
        for number, bid in enumerate(bids, start=1)
    ]
    counts = {str(lot.number): per_lot.get(lot.number, 0) for lot in tender.lots}
    if len(failed_lots) == len(tender.lots):
        opening.phase = Phase.FAILED
        opening.failed_reason = (
            f"fewer than {MIN_BIDS} bids were received "
            f"({', '.join(f'lot {k}: {v}' for k, v in counts.items())}): the opening does not "
            "take place and the tender is to be re-tendered (Regs Art 44)"
        )
        opening.next_check_at = None
        tender.state = TenderState.FAILED
        _post(
            session,
            opening,
            SYSTEM,
            "failed",
            reason=opening.failed_reason,
            bids=listed,
            per_lot=counts,
        )
        emit("tender.failed", SYSTEM, tender_id=tender.id, reason="too_few_bids", per_lot=counts)
        return "failed"
    opening.phase = Phase.DECRYPTING
    opening.decrypt_deadline = now + _window(tender)
    _post(
        session,
        opening,
        SYSTEM,
        "bids_locked",
        bids=listed,
        per_lot=counts,
        failed_lots=failed_lots,
        decrypt_deadline=opening.decrypt_deadline.isoformat(),
    )
    _reschedule(opening, tender, session)
    _advance(session, tender, opening)
    return "decrypting"


def _expire(session: Session, tender: Tender, opening: Opening, now: datetime) -> list[str]:
    happened = []
    for number, bid in _bids_in_order(session, opening):
        if bid.opening_outcome == Outcome.PENDING and now >= opening.decrypt_deadline:
            bid.opening_outcome = Outcome.REVOKED
            _post(
                session,
                opening,
                SYSTEM,
                "revoked",
                bid_no=number,
                reason="not decrypted within the window (the bidder's fault)",
            )
            emit(
                "bid.revoked",
                SYSTEM,
                tender_id=tender.id,
                bid_id=bid.id,
                organisation_id=bid.organisation_id,
                guarantee_claimable=tender.claim_on_revocation,
            )
            happened.append(f"revoked:{bid.id}")
        elif bid.opening_outcome == Outcome.EXCUSED and now >= bid.excused_at + _window(tender):
            bid.opening_outcome = Outcome.WITHDRAWN
            _post(
                session,
                opening,
                SYSTEM,
                "withdrawn",
                bid_no=number,
                reason="the custodians' shares did not reconstruct the keys in time",
            )
            emit(
                "bid.treated_as_withdrawn",
                SYSTEM,
                tender_id=tender.id,
                bid_id=bid.id,
                organisation_id=bid.organisation_id,
            )
            happened.append(f"withdrawn:{bid.id}")
    _reschedule(opening, tender, session)
    _advance(session, tender, opening)
    return happened


def _advance(session: Session, tender: Tender, opening: Opening) -> None:
    """Once every bid is decided, the reading out begins."""
    if opening.phase != Phase.DECRYPTING:
        return
    bids = _bids_in_order(session, opening)
    if any(bid.opening_outcome in UNDECIDED for _, bid in bids):
        return
    opening.phase = Phase.READING
    opening.reading_started_at = clock.now()
    opening.next_check_at = None
    opened = sum(1 for _, bid in bids if bid.opening_outcome in OPENED)
    _post(session, opening, SYSTEM, "reading_started", bids=len(bids), opened=opened)


def _reschedule(opening: Opening, tender: Tender, session: Session) -> None:
    times = []
    for _, bid in _bids_in_order(session, opening):
        if bid.opening_outcome == Outcome.PENDING:
            times.append(opening.decrypt_deadline)
        elif bid.opening_outcome == Outcome.EXCUSED:
            times.append(bid.excused_at + _window(tender))
    opening.next_check_at = min(times) if times else None


# --- helpers ------------------------------------------------------------------------------------


def _post(session: Session, opening: Opening, actor: Any, kind: str, **payload: Any) -> int:
    """Say something in the hall: the next seq, persisted and emitted as a domain event in this
    unit; the Socket.IO broadcast follows the commit (``broadcast``)."""
    opening.last_seq += 1
    event = emit(
        f"hall.{kind}", actor, tender_id=opening.tender_id, hall_seq=opening.last_seq, **payload
    )
    session.add(
        HallMessage(
            tender_id=opening.tender_id,
            seq=opening.last_seq,
            at=event.at,
            type=event.type,
            payload=payload,
        )
    )
    return opening.last_seq


def hall_message(event: Event) -> dict | None:
    """The client message of a ``hall.*`` event (identical to its stored HallMessage)."""
    if not event.type.startswith("hall."):
        return None
    payload = {k: v for k, v in event.payload.items() if k not in ("tender_id", "hall_seq")}
    return {
        "tender_id": event.payload["tender_id"],
        "seq": event.payload["hall_seq"],
        "type": event.type,
        "at": event.at.isoformat(),
        "payload": payload,
    }


def _tender(session: Session, tender_id: object, *, lock: bool = False) -> Tender:
    """The tender alone (none of its lots, documents or notices: the hall needs none of them),
    locked for the unit with ``lock``."""
    tender_id = inputs.identifier(tender_id, "tender_id")
    query = select(Tender).where(Tender.id == tender_id).options(lazyload("*"))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Tender)
    tender = session.scalar(query)
    if tender is None or tender.state in (
        TenderState.DRAFT,
        TenderState.FILING,
        TenderState.RETURNED,
        TenderState.FILED,
    ):
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


def _find_opening(session: Session, tender_id: int) -> Opening | None:
    return session.scalar(select(Opening).where(Opening.tender_id == tender_id))


def _opening(session: Session, tender: Tender) -> Opening:
    """The tender's hall, made on first use (the tender row is locked by the caller, so two
    units never both make one)."""
    opening = _find_opening(session, tender.id)
    if opening is None:
        opening = Opening(tender_id=tender.id, phase=Phase.WAITING, last_seq=0, read_order=[])
        session.add(opening)
        session.flush()
    return opening


def _bids_in_order(session: Session, opening: Opening) -> list[tuple[int, Bid]]:
    if not opening.read_order:
        return []
    by_id = {
        bid.id: bid
        for bid in session.scalars(
            select(Bid).where(Bid.id.in_(opening.read_order)).options(lazyload(Bid.tender))
        )
    }
    return [(number, by_id[bid_id]) for number, bid_id in enumerate(opening.read_order, start=1)]


def _bid_in_hall(session: Session, opening: Opening, bid_id: object) -> Bid:
    bid_id = inputs.identifier(bid_id, "bid_id")
    if bid_id not in (opening.read_order or []):
        raise NotFound(f"no bid {bid_id} in this hall", code="bid_not_found")
    return fetch_one(session, Bid, bid_id, lock=True)


def _number(opening: Opening, bid: Bid) -> int:
    """The bid's number in the hall (its place in the order of receipt), from 1."""
    return opening.read_order.index(bid.id) + 1


def _require_phase(opening: Opening, phase: Phase, why: str) -> None:
    if opening.phase != phase:
        raise Conflict(f"{why} (the hall is {opening.phase})", code=f"hall_{opening.phase}")


def _window(tender: Tender) -> timedelta:
    return timedelta(minutes=tender.decrypt_window_minutes)


def _text(data: dict, field: str, limit: int, *, minimum: int = 1) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not minimum <= len(value.strip()) <= limit:
        raise InvalidInput(
            f"{field}: text of {minimum} to {limit} characters", code="invalid_field", field=field
        )
    return value.strip()


def _key(data: dict, field: str) -> bytes:
    try:
        key = base64.b64decode(data[field], validate=True)
        assert len(key) == 32
    except (KeyError, binascii.Error, AssertionError, TypeError, ValueError):
        raise InvalidInput(
            f"{field}: the 32-byte key in base64", code="invalid_key", field=field
        ) from None
    return key


def _check_keys(bid: Bid, summary_key: bytes, documents_key: bytes) -> dict:
    """The keys are accepted only if they decrypt and authenticate the bid's own ciphertext:
    the whole summary, and the documents' first chunk (the whole documents ciphertext was
    checked against the bidder's signed manifest on receipt)."""
    with storage.get().open(bid.storage_key) as stream:
        sealed = envelope.inspect(stream, hash_sections=False)
        summary = envelope.read_summary(stream, sealed, summary_key)
        envelope.check_first_chunk(stream, sealed, "documents", documents_key)
    return summary


def _open(
    session: Session,
    opening: Opening,
    bid: Bid,
    summary: dict,
    summary_key: bytes,
    documents_key: bytes,
) -> None:
    _, platform_cert = pki.platform_custodian()
    bid.summary_key = summary_key.hex()
    bid.summary = summary
    bid.decrypted_at = clock.now()
    bid.opening_outcome = Outcome.DECRYPTED
    bid.documents_key_wrapped = envelope.wrap_key(
        documents_key, platform_cert, documents_key_context(bid)
    )


def documents_key_context(bid: Bid) -> str:
    return f"bidhall-opening/1/documents/{bid.tender_id}/{bid.id}"


def documents_key(bid: Bid) -> bytes:
    """The documents data key of an opened bid, for the evaluation (platform side only)."""
    if bid.documents_key_wrapped is None:
        raise Conflict("this bid's documents were not opened", code="not_decrypted")
    private, _ = pki.platform_custodian()
    return envelope.unwrap_key(bid.documents_key_wrapped, private, documents_key_context(bid))
