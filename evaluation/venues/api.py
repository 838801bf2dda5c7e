"""The venues' JSON API: venues, the recusal declaration, the roster, check-in and check-out, and
the experts' fees. Thin: parse, call one service, shape the output."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from bidhall.accounts.models import Role
from bidhall.crypto import keys
from bidhall.errors import InvalidInput
from bidhall.web import actor, json_body, require
from evaluation.draws import answers
from evaluation.venues import fee_services, fees
from evaluation.venues import services as venues
from evaluation.venues.models import Attendance, Venue
from trading.tenders.schemas import boolean, integer, text

blueprint = Blueprint("venues_api", __name__, url_prefix="/api")


MANAGERS = (Role.AGENCY, Role.TENDERER)

# --- venues -------------------------------------------------------------------------------------


@blueprint.get("/venues")
@require()
def list_venues() -> Any:
    return jsonify([venue_json(v) for v in venues.venues()])


@blueprint.post("/venues")
@require(Role.ADMIN)
def create_venue() -> Any:
    body = json_body()
    supervisor = body.get("supervisor")
    if isinstance(supervisor, str) and supervisor.strip():
        supervisor_id = venues.supervisor_by_name(supervisor.strip())
    else:
        supervisor_id = integer(body, "supervisor_id")
    venue = venues.create_venue(
        actor(),
        text(body, "code", max_length=20),
        text(body, "name", required=False, max_length=120),
        text(body, "region", max_length=12),
        supervisor_id,
        integer(body, "workstations"),
    )
    return jsonify(venue_json(venue)), 201


# --- the recusal declaration, check-in and check-out --------------------------------------------


@blueprint.get("/draws/<int:draw_id>/declaration")
@require(Role.EXPERT)
def declaration(draw_id: int) -> Any:
    answers.require_invited(actor(), draw_id)
    no_conflict = boolean(request.args, "no_conflict", default=True)
    note = text(request.args, "note", required=False, max_length=500)
    return jsonify(venues.declaration_to_sign(actor(), draw_id, no_conflict, note))


@blueprint.post("/draws/<int:draw_id>/declaration")
@require(Role.EXPERT)
def sign_declaration(draw_id: int) -> Any:
    answers.require_invited(actor(), draw_id)
    body = json_body()
    if not isinstance(body.get("no_conflict"), bool):
        raise InvalidInput("no_conflict is required (true or false)", code="missing_field")
    try:
        signature = keys.unb64(body.get("signature"))
    except ValueError:
        raise InvalidInput(
            "signature: give the Ed25519 signature in base64", code="invalid_field"
        ) from None
    document = body.get("document")
    if document is not None and not isinstance(document, dict):
        raise InvalidInput("document: give the declaration object as signed", code="invalid_field")
    declared = venues.sign_declaration(
        actor(),
        draw_id,
        venues.SignedDeclaration(
            no_conflict=body["no_conflict"],
            note=text(body, "note", required=False, max_length=500),
            signature=signature,
            document=document,
        ),
    )
    return jsonify(
        {
            "draw_id": draw_id,
            "no_conflict": declared.no_conflict,
            "signed_at": declared.signed_at.isoformat(),
            "certificate_fingerprint": declared.certificate_fingerprint,
        }
    ), 201


@blueprint.get("/draws/<int:draw_id>/roster")
@require(Role.SUPERVISOR)
def roster(draw_id: int) -> Any:
    draw, seats = venues.roster(actor(), draw_id)
    return jsonify({"draw_id": draw.id, "seats": [seat_json(seat) for seat in seats]})


@blueprint.post("/draws/<int:draw_id>/checkins")
@require(Role.SUPERVISOR)
def check_in(draw_id: int) -> Any:
    body = json_body()
    attendance = venues.check_in(
        actor(),
        draw_id,
        integer(body, "expert_id"),
        boolean(body, "identity_confirmed"),
        boolean(body, "phone_handed_in"),
    )
    return jsonify(attendance_json(attendance)), 201


@blueprint.post("/draws/<int:draw_id>/checkouts")
@require(Role.SUPERVISOR)
def check_out(draw_id: int) -> Any:
    body = json_body()
    bids = body.get("bids_reviewed")
    attendance = venues.check_out(
        actor(),
        draw_id,
        integer(body, "expert_id"),
        None if bids is None else integer(body, "bids_reviewed"),
    )
    return jsonify(attendance_json(attendance))


# --- fees ---------------------------------------------------------------------------------------


@blueprint.get("/draws/<int:draw_id>/fees")
@require(*MANAGERS, Role.SUPERVISOR)
def draw_fees(draw_id: int) -> Any:
    fmt = request.args.get("format", "json")
    content, mimetype = fee_services.export_fees(actor(), draw_id, fmt)
    response = Response(content, mimetype=mimetype)
    if fmt == "csv":
        response.headers["Content-Disposition"] = f"attachment; filename=fees-draw-{draw_id}.csv"
    return response


@blueprint.get("/my/fees")
@require(Role.EXPERT)
def my_fees() -> Any:
    computed = fee_services.my_fees(actor())
    return jsonify(
        {
            "currency": "CNY",
            "fees": [fees.as_json(f, identity=False) for f in computed],
            "total": str(fees.money(sum((f.total for f in computed), fees.money(0)))),
        }
    )


def venue_json(venue: Venue) -> dict[str, Any]:
    return {
        "id": venue.id,
        "code": venue.code,
        "name": venue.name,
        "region": venue.region,
        "supervisor_id": venue.supervisor_id,
        "workstations": venue.workstations,
    }


def attendance_json(attendance: Attendance) -> dict[str, Any]:
    return {
        "id": attendance.id,
        "draw_id": attendance.draw_id,
        "venue_id": attendance.venue_id,
        "workstation": attendance.workstation,
        "identity_confirmed": attendance.identity_confirmed,
        "phone_handed_in": attendance.phone_handed_in,
        "checked_in_at": attendance.checked_in_at.isoformat(),
        "checked_out_at": attendance.checked_out_at and attendance.checked_out_at.isoformat(),
        "bids_reviewed": attendance.bids_reviewed,
    }


def seat_json(seat: venues.Seat) -> dict[str, Any]:
    place, attendance = seat.place, seat.attendance
    return {
        "expert_id": place.expert_id,
        "name": place.expert.name,
        "region": place.region,
        "status": place.status,
        "round": place.round,
        "venue": seat.venue and seat.venue.code,
        "workstation": place.workstation,
        "local": seat.local,
        "declaration": None
        if seat.declaration is None
        else {
            "no_conflict": seat.declaration.no_conflict,
            "signed_at": seat.declaration.signed_at.isoformat(),
        },
        "attendance": None if attendance is None else attendance_json(attendance),
    }
