"""The draws' JSON API: the draw request, the draw as each one may see it, the answers,
publication, the signed commitment and DRAW.json, the expert's invitations. Thin: parse, call
one service, shape the output for what the caller may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bidhall.accounts.models import Role
from bidhall.errors import InvalidInput
from bidhall.web import actor, json_body, require
from evaluation.draws import answers, services, supplements, visibility
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.venues import services as venues
from trading.tenders.schemas import boolean, integer, moment

blueprint = Blueprint("draws_api", __name__, url_prefix="/api")


MANAGERS = (Role.AGENCY, Role.TENDERER)


@blueprint.post("/tenders/<int:tender_id>/draws")
@require(*MANAGERS)
def draw_experts(tender_id: int) -> Any:
    services.require_manager(actor(), tender_id)  # before the body: outsiders learn nothing
    draw = services.draw_experts(actor(), tender_id, _draw_request(json_body()))
    return jsonify(_shape(draw, "counts")), 201


@blueprint.get("/draws/<int:draw_id>")
@require()
def show_draw(draw_id: int) -> Any:
    draw, level = visibility.visible_draw(actor(), draw_id)
    if level == "own":
        return jsonify(_own(draw, visibility.own_place(actor(), draw)))
    return jsonify(_shape(draw, level))


@blueprint.post("/draws/<int:draw_id>/answer")
@require(Role.EXPERT)
def answer(draw_id: int) -> Any:
    answers.require_invited(actor(), draw_id)
    body = json_body()
    if "accept" not in body:
        raise InvalidInput("accept is required (true or false)", code="missing_field")
    place = answers.answer_invitation(actor(), draw_id, boolean(body, "accept"), body.get("reason"))
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
    return jsonify(visibility.verification_document(actor(), draw_id))


@blueprint.get("/draws/<int:draw_id>/commitment")
def commitment(draw_id: int) -> Any:
    """Public from the commit on: the bytes as signed and kept (the ledger holds their hash);
    ``?round=N`` for a supplementary round's."""
    text = visibility.signed_commitment(draw_id, integer(request.args, "round", default=0))
    return Response(text, mimetype="application/json")


@blueprint.get("/my/invitations")
@require(Role.EXPERT)
def my_invitations() -> Any:
    return jsonify([_own(place_draw(place), place) for place in visibility.invitations(actor())])


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
    excluded = visibility.exclusions(draw)
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
    data["vacant"] = supplements.vacancies(draw.id)
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
