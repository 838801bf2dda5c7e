"""The venues' audio-video systems over HTTP: their device tokens (admin) and their telemetry
(the device only). Thin: parse, authenticate, call one service, shape the output.

- ``GET    /api/venues/<id>/devices``      the venue's device tokens, no secrets (admin)
- ``POST   /api/venues/<id>/devices``      issue the venue's device token: the secret, once
                                           (admin; ``{"name", "replace"}``)
- ``DELETE /api/venues/<id>/devices``      revoke the venue's active device token (admin)
- ``POST   /api/telemetry/heartbeats``     ``{"workstation", "at"}`` or ``{"heartbeats": [...]}``
- ``POST   /api/telemetry/events``         an AV event with its recording segment's hash

The telemetry takes ``Authorization: Bearer <device secret>`` and nothing else: a user's API
token is refused there, and a device's secret is no user's token anywhere else. Its routes are
marked ``device_authenticated``: the shell's request authentication leaves them to
``device_only``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from bidhall.accounts.models import Role
from bidhall.errors import InvalidInput
from bidhall.web import actor, json_body, require
from evaluation.presence import rules, services
from evaluation.presence.models import VenueDevice
from trading.tenders.schemas import boolean, integer, moment, text

blueprint = Blueprint("presence_api", __name__, url_prefix="/api")

MAX_BATCH = 500  # heartbeats per request: a venue's every workstation, several times over


def device_only(view: Callable) -> Callable:
    """Authenticate the request as a venue's device (its bearer secret) and pass it first."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        device = services.authenticate_device(request.headers.get("Authorization"))
        return view(device, *args, **kwargs)

    wrapped.device_authenticated = True  # read by the shell's _authenticate
    return wrapped


# --- device tokens (admin) ----------------------------------------------------------------------


@blueprint.get("/venues/<int:venue_id>/devices")
@require(Role.ADMIN)
def list_devices(venue_id: int) -> Any:
    return jsonify([device_json(d) for d in services.devices(actor(), venue_id)])


@blueprint.post("/venues/<int:venue_id>/devices")
@require(Role.ADMIN)
def issue_device(venue_id: int) -> Any:
    body = json_body()
    device, secret = services.issue_device(
        actor(),
        venue_id,
        text(body, "name", required=False, max_length=80),
        replace=boolean(body, "replace"),
    )
    # the secret is shown here once: only its SHA-256 is kept
    return jsonify({**device_json(device), "secret": secret}), 201


@blueprint.delete("/venues/<int:venue_id>/devices")
@require(Role.ADMIN)
def revoke_device(venue_id: int) -> Any:
    return jsonify(device_json(services.revoke_device(actor(), venue_id)))


# --- telemetry (the venue's device) -------------------------------------------------------------


@blueprint.post("/telemetry/heartbeats")
@device_only
def heartbeats(device: services.Device) -> Any:
    body = json_body()
    if "heartbeats" in body:
        items = body["heartbeats"]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            raise InvalidInput(
                f"heartbeats: a list of 1 to {MAX_BATCH} objects {{workstation, at}}",
                code="invalid_field",
                field="heartbeats",
            )
        beats = [_heartbeat(item, f"heartbeats[{index}].") for index, item in enumerate(items)]
    else:
        beats = [_heartbeat(body, "")]
    services.record_heartbeats(device, beats)
    return "", 204


@blueprint.post("/telemetry/events")
@device_only
def events(device: services.Device) -> Any:
    body = json_body()
    segment = body.get("segment")
    if not isinstance(segment, Mapping):
        raise InvalidInput(
            "segment: the recording behind the event, {sha256, from, to}",
            code="missing_field" if segment is None else "invalid_field",
            field="segment",
        )
    if body.get("kind") is None:
        raise InvalidInput("kind is required", code="missing_field", field="kind")
    report = services.EventReport(
        workstation=integer(body, "workstation", minimum=1),
        kind=rules.event_kind(body.get("kind")),
        started_at=moment(body, "started_at"),
        ended_at=moment(body, "ended_at"),
        segment_sha256=rules.segment_hash(segment.get("sha256")),
        segment_from=moment(segment, "from", prefix="segment."),
        segment_to=moment(segment, "to", prefix="segment."),
    )
    recorded = services.record_event(device, report)
    return jsonify(
        {"event_id": recorded.event_id, "posted": recorded.posted, "replayed": recorded.replayed}
    ), (200 if recorded.replayed else 202)


def _heartbeat(item: Any, prefix: str) -> tuple[int, datetime]:
    if not isinstance(item, Mapping):
        raise InvalidInput(
            f"{prefix or 'the body'}: an object {{workstation, at}}",
            code="invalid_field",
            field=prefix.rstrip(".") or None,
        )
    return (
        integer(item, "workstation", prefix=prefix, minimum=1),
        moment(item, "at", prefix=prefix),
    )


def device_json(device: VenueDevice) -> dict[str, Any]:
    return {
        "id": device.id,
        "venue_id": device.venue_id,
        "name": device.name,
        "active": device.revoked_at is None,
        "created_at": device.created_at.isoformat(),
        "created_by": device.created_by,
        "revoked_at": device.revoked_at and device.revoked_at.isoformat(),
    }
