"""Venues, the recusal declaration, check-in and check-out at a venue. One function per use case,
one transaction each; the actor is an argument. docs/venues-and-fees.md describes the whole."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts.models import Organisation, Role, User
from bidhall.accounts.rules import require_role
from bidhall.canonical import canonical
from bidhall.crypto import keys, services
from bidhall.crypto import validation as pki
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from evaluation.draws import answers, supplements
from evaluation.draws import services as draws
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.experts.models import Pool
from evaluation.experts.services import require_admin
from evaluation.venues import rules
from evaluation.venues.models import Attendance, RecusalDeclaration, Venue
from trading.bids import queries as trading_bids
from trading.bids.models import Bid
from trading.opening.models import Opening
from trading.tenders.models import Tender

logger = logging.getLogger(__name__)

VENUE_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,19}$")
MAX_WORKSTATIONS = 999


# --- venues -------------------------------------------------------------------------------------


def create_venue(
    actor: User | str, code: str, name: str, region: str, supervisor_id: int, workstations: int
) -> Venue:
    """A centre's venue with its local supervisor and workstations numbered 1..N (admin)."""
    require_admin(actor)
    code = (code or "").strip()
    if not VENUE_CODE.match(code):
        raise InvalidInput(f"venue code {code!r} is not 1-20 letters, digits, _ or -", field="code")
    if not 1 <= workstations <= MAX_WORKSTATIONS:
        raise InvalidInput(
            f"a venue has 1 to {MAX_WORKSTATIONS} workstations", field="workstations"
        )
    with db.transaction() as session:
        if session.scalar(select(Pool.id).where(Pool.region == region)) is None:
            raise RuleViolation(f"no pool for region {region}", code="unknown_region")
        supervisor = session.get(User, supervisor_id)
        if supervisor is None or supervisor.role != Role.SUPERVISOR:
            raise RuleViolation(
                f"user {supervisor_id} is not a supervisor", code="not_a_supervisor"
            )
        if session.scalar(select(Venue.id).where(Venue.code == code)) is not None:
            raise Conflict(f"venue {code} exists", code="venue_exists")
        venue = Venue(
            code=code,
            name=(name or code).strip()[:120],
            region=region,
            supervisor_id=supervisor.id,
            workstations=workstations,
            created_at=clock.now(),
        )
        session.add(venue)
        session.flush()
        emit(
            "venue.created",
            actor,
            venue_id=venue.id,
            code=code,
            region=region,
            supervisor_id=supervisor.id,
            workstations=workstations,
        )
    return venue


def get_venue(venue_id: int) -> Venue:
    venue = db.session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(f"no venue {venue_id}", code="venue_not_found")
    return venue


def venues() -> Sequence[Venue]:
    return list(db.session.scalars(select(Venue).order_by(Venue.code)))


def supervisor_by_name(username: str) -> int:
    user_id = db.session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"no user {username!r}", code="user_not_found")
    return user_id


# --- the recusal declaration --------------------------------------------------------------------


def _seated_place(session: Session, actor: User, draw_id: int) -> DrawPlace:
    place = answers.place_of(session, require_role(actor, Role.EXPERT), draw_id)
    if place.status != PlaceStatus.ACCEPTED:
        raise Conflict(
            f"only an expert who accepted a seat declares (yours is {place.status})",
            code="not_seated",
        )
    return place


def _check_bidders_named(session: Session, draw_id: int) -> None:
    """The declaration names the bidders: not before the tender's reading out (Law Art 22)."""
    tender = session.get(Tender, session.get(ExpertDraw, draw_id).tender_id)
    rules.check_declaration_open(trading_bids.disclosure(tender).names, tender.bid_deadline)


def _bidders(session: Session, tender_id: int) -> list[str]:
    """The organisations whose bids the opening hall locked and read out (its read order), not
    the mere holders of the documents."""
    read = session.scalar(select(Opening.read_order).where(Opening.tender_id == tender_id))
    if not read:
        return []
    return list(
        session.scalars(
            select(Organisation.name)
            .join(Bid, Bid.organisation_id == Organisation.id)
            .where(Bid.id.in_(read))
        )
    )


def _document(
    session: Session, place: DrawPlace, certificate_serial: str, no_conflict: bool, note: str
) -> dict[str, Any]:
    draw = session.get(ExpertDraw, place.draw_id)
    tender = session.get(Tender, draw.tender_id)
    tenderer = session.get(Organisation, tender.tenderer_id)
    bidders = _bidders(session, tender.id)
    venue = session.get(Venue, place.venue_id) if place.venue_id is not None else None
    return rules.declaration_document(
        draw_id=draw.id,
        tender_id=tender.id,
        tender_reference=tender.reference,
        tender_title=tender.title,
        tenderer=tenderer.name,
        bidders=bidders,
        expert_id=place.expert_id,
        expert_name=place.expert.name,
        certificate_serial=certificate_serial,
        venue=None if venue is None else {"id": venue.id, "code": venue.code, "name": venue.name},
        workstation=place.workstation,
        no_conflict=no_conflict,
        note=note,
    )


def _signing_certificate(user_id: int) -> Any:
    row = services.active_certificate(user_id, "signing")
    if row is None:
        raise RuleViolation(
            "you have no valid signing certificate: enrol a key first", code="no_certificate"
        )
    return row


def declaration_to_sign(
    actor: User, draw_id: int, no_conflict: bool = True, note: str = ""
) -> dict[str, Any]:
    """The declaration the expert signs (``rules.declaration_document``) and its exact bytes."""
    place = _seated_place(db.session, actor, draw_id)
    _check_bidders_named(db.session, draw_id)
    certificate = _signing_certificate(actor.id)
    document = _document(db.session, place, certificate.serial, no_conflict, note)
    return {"document": document, "signed_bytes": canonical(document).decode("utf-8")}


@dataclass(frozen=True)
class SignedDeclaration:
    no_conflict: bool
    note: str
    signature: bytes
    document: dict[str, Any] | None = None  # as the expert signed it: must equal the rebuilt one


def sign_declaration(actor: User, draw_id: int, signed: SignedDeclaration) -> RecusalDeclaration:
    """Keep the expert's signed declaration once the signature verifies with its active,
    unrevoked signing certificate. A declared conflict recuses the expert: its seat goes to the
    region's next reserve (or a supplementary round)."""
    rules.check_declaration_answer(signed.no_conflict, signed.note)
    now = clock.now()
    with db.transaction() as session:
        place = _seated_place(session, actor, draw_id)
        if session.scalar(
            select(RecusalDeclaration.id).where(RecusalDeclaration.place_id == place.id)
        ):
            raise Conflict("you have signed the declaration already", code="already_declared")
        _check_bidders_named(session, draw_id)
        row = _signing_certificate(actor.id)
        certificate = keys.load_certificate(row.pem)
        pki.validate(certificate, "signing", now)  # ours, registered, good now
        document = _document(session, place, row.serial, signed.no_conflict, signed.note)
        if signed.document is not None and signed.document != document:
            raise RuleViolation(
                "the declaration you signed is not the one for this seat: fetch it again",
                code="declaration_mismatch",
            )
        data = canonical(document)
        pki.verify_signature(certificate, data, signed.signature)
        declaration = RecusalDeclaration(
            place_id=place.id,
            draw_id=draw_id,
            document=data.decode("utf-8"),
            signature=keys.b64(signed.signature),
            certificate_fingerprint=row.fingerprint_sha256,
            no_conflict=signed.no_conflict,
            signed_at=now,
        )
        session.add(declaration)
        session.flush()
        emit(
            "expert.declared",
            actor,
            draw_id=draw_id,
            place_id=place.id,
            no_conflict=signed.no_conflict,
            document_sha256=hashlib.sha256(data).hexdigest(),
            certificate_fingerprint=row.fingerprint_sha256,
        )
        if not signed.no_conflict:
            place.status = PlaceStatus.RECUSED
            place.answered_at = now
            emit("draw.recused", actor, draw_id=draw_id, place_id=place.id)
            answers.call_reserve(session, actor, place, now)
        declaration_id = declaration.id
    if not signed.no_conflict:
        supplements.fill_vacancies(actor, draw_id)
    return db.session.get(RecusalDeclaration, declaration_id)


# --- check-in and check-out ---------------------------------------------------------------------


def _local_place(session: Session, actor: User, draw_id: int, expert_id: int) -> DrawPlace:
    """The expert's seat in the draw, at a venue whose local supervisor is ``actor``."""
    draw = session.get(ExpertDraw, draw_id)
    if draw is None:
        raise NotFound(f"no draw {draw_id}", code="draw_not_found")
    query = select(DrawPlace).where(
        DrawPlace.draw_id == draw_id,
        DrawPlace.expert_id == expert_id,
        DrawPlace.status.in_((PlaceStatus.ACCEPTED, PlaceStatus.INVITED)),
    )
    if session.get_bind().dialect.name == "postgresql":
        # two check-ins of one expert queue here (SQLite's write units are serial already)
        query = query.with_for_update(of=DrawPlace)
    place = session.scalar(query)
    if place is None:
        raise NotFound(f"expert {expert_id} holds no seat in draw {draw_id}", code="seat_not_found")
    if place.venue_id is None:
        raise Conflict("this committee has no venues to check in at", code="no_venue")
    venue = session.get(Venue, place.venue_id)
    if venue.supervisor_id != actor.id:
        raise Forbidden(
            f"only the local supervisor of venue {venue.code} checks its experts in and out",
            code="not_local_supervisor",
        )
    if place.status != PlaceStatus.ACCEPTED:
        raise Conflict("the expert has not accepted its seat", code="not_seated")
    return place


def _open_attendance(session: Session, place_id: int) -> Attendance | None:
    return session.scalar(
        select(Attendance).where(
            Attendance.place_id == place_id, Attendance.checked_out_at.is_(None)
        )
    )


def check_in(
    actor: User, draw_id: int, expert_id: int, identity_confirmed: bool, phone_handed_in: bool
) -> Attendance:
    """The local supervisor checks a seated expert in: identity confirmed, phone handed in,
    recusal declaration signed (with no conflict). Opens an attendance record."""
    now = clock.now()
    with db.transaction() as session:
        place = _local_place(session, require_role(actor, Role.SUPERVISOR), draw_id, expert_id)
        draw = session.get(ExpertDraw, draw_id)
        rules.check_checkin_window(
            draw.scheduled_at, now, config.setting("EXPERT_CHECKIN_OPENS_MINUTES", 120)
        )
        # check-in needs the declaration, which names the bidders: before the reading out say
        # when it can be signed rather than only that it is not
        _check_bidders_named(session, draw_id)
        declaration = session.scalar(
            select(RecusalDeclaration).where(RecusalDeclaration.place_id == place.id)
        )
        rules.check_checkin(
            identity_confirmed,
            phone_handed_in,
            declaration is not None,
            declaration.no_conflict if declaration else None,
        )
        if _open_attendance(session, place.id) is not None:
            raise Conflict("the expert is checked in already", code="already_checked_in")
        attendance = Attendance(
            place_id=place.id,
            draw_id=draw_id,
            venue_id=place.venue_id,
            workstation=place.workstation,
            identity_confirmed=True,
            phone_handed_in=True,
            checked_in_at=now,
            checked_in_by_id=actor.id,
        )
        session.add(attendance)
        session.flush()
        emit(
            "expert.checked_in",
            actor,
            draw_id=draw_id,
            place_id=place.id,
            attendance_id=attendance.id,
            venue_id=place.venue_id,
            workstation=place.workstation,
            identity_confirmed=True,
            phone_handed_in=True,
        )
    return attendance


def check_out(
    actor: User, draw_id: int, expert_id: int, bids_reviewed: int | None = None
) -> Attendance:
    """The local supervisor checks the expert out (its phone given back): the attendance is
    closed, and counts for the fees."""
    now = clock.now()
    if bids_reviewed is not None and not 0 <= bids_reviewed <= 10_000:
        raise InvalidInput("bids_reviewed must be 0 or more", field="bids_reviewed")
    with db.transaction() as session:
        place = _local_place(session, require_role(actor, Role.SUPERVISOR), draw_id, expert_id)
        attendance = _open_attendance(session, place.id)
        if attendance is None:
            raise Conflict("the expert is not checked in", code="not_checked_in")
        rules.check_checkout(attendance.checked_in_at, now)
        attendance.checked_out_at = now
        attendance.checked_out_by_id = actor.id
        attendance.bids_reviewed = bids_reviewed
        emit(
            "expert.checked_out",
            actor,
            draw_id=draw_id,
            place_id=place.id,
            attendance_id=attendance.id,
            minutes=int((now - attendance.checked_in_at).total_seconds() // 60),
        )
    return attendance


@dataclass(frozen=True)
class Seat:
    place: DrawPlace
    venue: Venue | None
    declaration: RecusalDeclaration | None
    attendance: Attendance | None  # the latest
    local: bool  # the viewer is this venue's local supervisor


def roster(actor: User, draw_id: int) -> tuple[ExpertDraw, list[Seat]]:
    """The seats of a draw for a supervisor: at its own venues (to check in), or every venue's
    (to watch) when it is the local supervisor of none of them."""
    require_role(actor, Role.SUPERVISOR)
    draw = draws.get_draw(draw_id)
    venues_by_id = {
        v.id: v
        for v in db.session.scalars(
            select(Venue).where(Venue.id.in_([e["venue_id"] for e in draw.venues or []]))
        )
    }
    own = {v.id for v in venues_by_id.values() if v.supervisor_id == actor.id}
    shown = [
        p
        for p in draw.places
        if p.venue_id is not None
        and p.status in (PlaceStatus.INVITED, PlaceStatus.ACCEPTED, PlaceStatus.RECUSED)
        and (not own or p.venue_id in own)
    ]
    ids = [p.id for p in shown]
    declarations = {
        d.place_id: d
        for d in db.session.scalars(
            select(RecusalDeclaration).where(RecusalDeclaration.place_id.in_(ids))
        )
    }
    latest: dict[int, Attendance] = {}
    for attendance in db.session.scalars(
        select(Attendance).where(Attendance.place_id.in_(ids)).order_by(Attendance.id)
    ):
        latest[attendance.place_id] = attendance
    seats = [
        Seat(
            place=p,
            venue=venues_by_id.get(p.venue_id),
            declaration=declarations.get(p.id),
            attendance=latest.get(p.id),
            local=p.venue_id in own,
        )
        for p in sorted(shown, key=lambda p: (p.venue_id, p.workstation or 0, p.id))
    ]
    return draw, seats


def venues_supervised(actor: User) -> list[tuple[ExpertDraw, list[Venue]]]:
    """The draws with seats at venues whose local supervisor is ``actor``, soonest first."""
    require_role(actor, Role.SUPERVISOR)
    own = {
        v.id: v for v in db.session.scalars(select(Venue).where(Venue.supervisor_id == actor.id))
    }
    if not own:
        return []
    draw_ids = db.session.scalars(
        select(DrawPlace.draw_id).where(DrawPlace.venue_id.in_(list(own))).distinct()
    )
    draws = db.session.scalars(
        select(ExpertDraw)
        .where(ExpertDraw.id.in_(list(draw_ids)))
        .order_by(ExpertDraw.scheduled_at, ExpertDraw.id)
    )
    return [
        (draw, [own[e["venue_id"]] for e in draw.venues or [] if e["venue_id"] in own])
        for draw in draws
    ]
