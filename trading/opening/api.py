"""The opening hall over HTTP: the same state, messages and commands as the ``/opening``
Socket.IO namespace, for scripts and the ``bidhall open-key`` tool, and the published record.

- ``GET  /api/tenders/<id>/opening``                 the hall as the caller may see it
- ``GET  /api/tenders/<id>/opening/messages?after=N`` the messages after seq N
- ``GET  /api/tenders/<id>/opening/envelopes``       headers of the envelopes the caller unlocks
- ``POST /api/tenders/<id>/opening/<command>``       a hall command (JSON with ``cmd_id``)
- ``GET  /api/tenders/<id>/opening/record``          the signed opening record, once published
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from bidhall.web import actor, json_body, query_integer, require
from trading.opening import commands
from trading.opening import hall as opening
from trading.opening import keys as opening_keys
from trading.opening import record as opening_record

blueprint = Blueprint("opening_api", __name__, url_prefix="/api/tenders/<int:tender_id>/opening")


@blueprint.get("")
def state(tender_id: int) -> Any:
    return jsonify(opening.state(actor(), tender_id))


@blueprint.get("/messages")
def messages(tender_id: int) -> Any:
    after = query_integer("after", 0, what="the last seq you saw")
    return jsonify({"messages": opening.messages_after(actor(), tender_id, after)})


@blueprint.get("/envelopes")
@require()
def envelopes(tender_id: int) -> Any:
    return jsonify({"envelopes": opening_keys.envelope_headers(actor(), tender_id)})


@blueprint.post("/<command>")
@require()
def command(tender_id: int, command: str) -> Any:
    return jsonify(commands.run(actor(), tender_id, command, json_body()))


@blueprint.get("/record")
def record(tender_id: int) -> Any:
    # the stored canonical bytes, not a re-encoding: `sha256sum` of the download is the hall's
    # record_sha256
    response = Response(opening_record.record_bytes(tender_id), mimetype="application/json")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = (
            f'attachment; filename="opening-record-{tender_id}.json"'
        )
    return response
