"""History playback over HTTP, for supervisors (they see names; a timeline names seats, bids and
bidders):

- ``GET /api/supervision/timeline/opening/<tender id>``      an opening hall's timeline; refused
                                                             (409 ``not_opened``) before the
                                                             opening time (Tender Law Art 22)
- ``GET /api/supervision/timeline/evaluation/<session id>``  an evaluation session's timeline

A timeline is ``{"kind", "id", "tender_id", "start", "end", "events", "alerts", "segments"}``:
``events`` in ledger order, each ``{"seq", "at", "actor", "actor_name", "type", "payload",
"label"}`` (``label``: what happened, in the request's language); ``alerts`` each ``{"alert_id",
"seq", "detector", "severity", "summary", "raised_at"}``, ``seq`` the ledger entry that raised it
(None: the tick, placed at ``raised_at``); ``segments`` the AV recording segments the venues
reported, each ``{"seq", "kind", "venue_id", "venue", "workstation", "seat", "from", "to",
"sha256"}``. Refusals are the one error payload (404 ``tender_not_found``,
``session_not_found``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from audit.playback import labels, queries
from bidhall import clock
from bidhall.accounts.models import Role
from bidhall.web import require

blueprint = Blueprint("playback_api", __name__)


@blueprint.get("/api/supervision/timeline/opening/<int:tender_id>")
@require(Role.SUPERVISOR)
def opening_timeline(tender_id: int) -> Any:
    return jsonify(labelled(queries.opening_timeline(tender_id, clock.now())))


@blueprint.get("/api/supervision/timeline/evaluation/<int:session_id>")
@require(Role.SUPERVISOR)
def evaluation_timeline(session_id: int) -> Any:
    return jsonify(labelled(queries.evaluation_timeline(session_id)))


def labelled(timeline: dict[str, Any]) -> dict[str, Any]:
    """Each event says what happened and who did it, in the request's language."""
    for event in timeline["events"]:
        event["label"] = labels.label(event["type"], event["payload"])
        event["actor_name"] = labels.actor_name(event["actor"], event["actor_name"])
    return timeline
