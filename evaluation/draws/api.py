"""The evaluation JSON API: expert import, draws, invitations, verification, venues, the recusal
declaration, check-in and fees. Thin: parse, call one service, shape the output for what the
caller may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bidhall.accounts.models import Role
from bidhall.crypto import keys
from bidhall.errors import InvalidInput
from bidhall.web import actor, json_body, require
from evaluation import services
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.venues import fees
from evaluation.venues import services as venues
from evaluation.venues.models import Attendance, Venue
from trading.tenders.schemas import boolean, integer, moment, text

blueprint = Blueprint("evaluation_api", __name__, url_prefix="/api")


MANAGERS = (Role.AGENCY, Role.TENDERER)


@blueprint.post("/experts/import")
@require(Role.ADMIN)
def import_experts() -> Any:
    upload = request.files.get("file")
    data = upload.read() if upload is not None else request.get_data()
    if request.is_json or not data:
        raise InvalidInput(
            "send the CSV as the request body (text/csv) or as the form file 'file'",
            code="invalid_body",
        )
    count = services.import_experts(actor(), services.read_csv(data), services.file_sha256(data))
    return jsonify({"imported": count}), 201


@blueprint.post("/tenders/<int:tender_id>/draws")
@require(*MANAGERS)
def draw_experts(tender_id: int) -> Any:
    services.require_manager(actor(), tender_id)  # before the body: outsiders learn nothing
    draw = services.draw_experts(actor(), tender_id, _draw_request(json_body()))
    return jsonify(_shape(draw, "counts")), 201


@blueprint.get("/draws/<int:draw_id>")
@require()
def show_draw(draw_id: int) -> Any:
    draw, level = services.visible_draw(actor(), draw_id)
    if level == "own":
        return jsonify(_own(draw, services.own_place(actor(), draw)))
    return jsonify(_shape(draw, level))


@blueprint.post("/draws/<int:draw_id>/answer")
@require(Role.EXPERT)
def answer(draw_id: int) -> Any:
    services.require_invited(actor(), draw_id)
    body = json_body()
    if "accept" not in body:
        raise InvalidInput("accept is required (true or false)", code="missing_field")
    place = services.answer_invitation(
        actor(), draw_id, boolean(body, "accept"), body.get("reason")
    )
    return jsonify(_own(place_draw(place), place))


@blueprint.post("/draws/<int:draw_id>/publish")
@require(*MANAGERS, Role.SUPERVISOR)
def publish(draw_id: int) -> Any:
    draw = services.publish_result(actor(), draw_id)
    return jsonify(_shape(draw, "full"))


@blueprint.get("/draws/<int:draw_id>/verification")
def verification(draw_id: int) -> Any:
    """DRAW.json, to anyone once the result is published and the tender is read out; the
    experts' names in it only for the supervisors and the tender's managers."""
    return jsonify(services.verification_document(actor(), draw_id))


@blueprint.get("/draws/<int:draw_id>/commitment")
def commitment(draw_id: int) -> Any:
    """Public from the commit on: the bytes as signed and kept (the ledger holds their hash);
    ``?round=N`` for a supplementary round's."""
    text = services.signed_commitment(draw_id, integer(request.args, "round", default=0))
    return Response(text, mimetype="application/json")


@blueprint.get("/my/invitations")
@require(Role.EXPERT)
def my_invitations() -> Any:
    return jsonify([_own(place_draw(place), place) for place in services.invitations(actor())])


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
    services.require_invited(actor(), draw_id)
    no_conflict = boolean(request.args, "no_conflict", default=True)
    note = text(request.args, "note", required=False, max_length=500)
    return jsonify(venues.declaration_to_sign(actor(), draw_id, no_conflict, note))


@blueprint.post("/draws/<int:draw_id>/declaration")
@require(Role.EXPERT)
def sign_declaration(draw_id: int) -> Any:
    services.require_invited(actor(), draw_id)
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
    content, mimetype = venues.export_fees(actor(), draw_id, fmt)
    response = Response(content, mimetype=mimetype)
    if fmt == "csv":
        response.headers["Content-Disposition"] = f"attachment; filename=fees-draw-{draw_id}.csv"
    return response


@blueprint.get("/my/fees")
@require(Role.EXPERT)
def my_fees() -> Any:
    computed = venues.my_fees(actor())
    return jsonify(
        {
            "currency": "CNY",
            "fees": [fees.as_json(f, identity=False) for f in computed],
            "total": str(fees.money(sum((f.total for f in computed), fees.money(0)))),
        }
    )


# --- input and output shapes --------------------------------------------------------------------


def _draw_request(data: Mapping[str, Any]) -> services.DrawRequest:
    specialties = data.get("specialties")
    if not isinstance(specialties, list) or not all(isinstance(s, str) for s in specialties):
        raise InvalidInput("specialties: give a list of codes", code="invalid_field")
    venue_quotas = services.venue_quotas(data.get("venues"))
    return services.DrawRequest(
        specialties=tuple(s.strip().upper() for s in specialties),
        members=integer(data, "members"),
        quotas=_counts(data, "quotas", required=not venue_quotas),
        reserves=_counts(data, "reserves", required=False),
        scheduled_at=moment(data, "scheduled_at"),
        representatives=integer(data, "representatives", default=0),
        venues=venue_quotas,
        answer_minutes=services.answer_minutes(data),
    )


def _counts(data: Mapping[str, Any], key: str, *, required: bool = True) -> dict[str, int]:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping) or not value:
        raise InvalidInput(f"{key}: give an object of region code -> count", code="invalid_field")
    return {str(region): integer(value, region, prefix=f"{key}.") for region in value}


def place_draw(place: DrawPlace) -> ExpertDraw:
    return services.get_draw(place.draw_id)


def _head(draw: ExpertDraw) -> dict[str, Any]:
    return {
        "id": draw.id,
        "tender_id": draw.tender_id,
        "state": draw.state,
        "specialties": draw.specialties,
        "members": draw.members,
        "representatives": draw.representatives,
        "quotas": draw.quotas,
        "reserves": draw.reserves,
        "venues": draw.venues,
        "scheduled_at": draw.scheduled_at.isoformat(),
        "answer_minutes": draw.answer_minutes,
        "seed_sha256": draw.seed_sha256,
        "list_sha256": draw.list_sha256,
        "drawn_at": draw.drawn_at and draw.drawn_at.isoformat(),
        "published_at": draw.published_at and draw.published_at.isoformat(),
    }


def _shape(draw: ExpertDraw, level: str) -> dict[str, Any]:
    """counts: per region, how many seats are in each confirmation status and how many
    candidates were excluded, no identities. full: also every place with its expert, and the
    exclusions (who and why) from the tender's reading out on, else null (Law Art 22)."""
    data = _head(draw)
    excluded = services.exclusions(draw)
    regions = {}
    for region in sorted(draw.quotas):
        places = [p for p in draw.places if p.region == region]
        counts = {
            status: sum(1 for p in places if p.status == status)
            for status in (
                PlaceStatus.INVITED,
                PlaceStatus.ACCEPTED,
                PlaceStatus.DECLINED,
                PlaceStatus.TIMED_OUT,
                PlaceStatus.RECUSED,
                PlaceStatus.RESERVE,
            )
        }
        regions[region] = (
            {"quota": draw.quotas[region]} | counts | {"excluded": excluded.per_region[region]}
        )
    data["regions"] = regions
    data["vacant"] = services.vacancies(draw.id)
    data["excluded"] = excluded.total
    if level == "full":
        data["places"] = [
            {
                "region": p.region,
                "position": p.position,
                "status": p.status,
                "expert_id": p.expert_id,
                "name": p.expert.name,
                "employer": p.expert.employer,
                "round": p.round,
                "venue_id": p.venue_id,
                "workstation": p.workstation,
                "answer_due_at": p.answer_due_at and p.answer_due_at.isoformat(),
                "answered_at": p.answered_at and p.answered_at.isoformat(),
            }
            for p in draw.places
        ]
        data["exclusions"] = excluded.rows
    return data


def _own(draw: ExpertDraw, place: DrawPlace) -> dict[str, Any]:
    """A drawn expert's own invitation: when and where, its status, nobody else."""
    return {
        "draw_id": draw.id,
        "tender_id": draw.tender_id,
        "scheduled_at": draw.scheduled_at.isoformat(),
        "region": place.region,
        "status": place.status,
        "answer_due_at": place.answer_due_at and place.answer_due_at.isoformat(),
        "answered_at": place.answered_at and place.answered_at.isoformat(),
        "venue": _venue_ref(place.venue_id),
        "workstation": place.workstation,
    }


def _venue_ref(venue_id: int | None) -> dict[str, Any] | None:
    if venue_id is None:
        return None
    venue = venues.get_venue(venue_id)
    return {"id": venue.id, "code": venue.code, "name": venue.name, "region": venue.region}


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
