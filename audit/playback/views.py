"""The supervisors' history playback pages:

- ``GET /supervision/playback``                              the openings (once their opening
                                                             time has passed) and evaluations to
                                                             replay, finished or ongoing
- ``GET /supervision/playback/opening/<tender id>``          the player of an opening hall
- ``GET /supervision/playback/evaluation/<session id>``      the player of an evaluation session

The player's page carries no timeline: static/js/playback.js fetches it from the JSON API
(audit/playback/api.py) and plays it at 1× to 32× of real time, each silence between two events
longer than ``SILENCE_CAP_SECONDS`` played as that many seconds and events closer than
``SPACING_SECONDS`` played that far apart (docs/audit.md, "Playback"), or jumps where the
scrubber is put. The same refusals as the API: ``not_opened`` before an opening's
time, 404 for no such tender or session.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from audit.alerts.forms import DETECTOR_NAMES, SEVERITY_NAMES, zone
from audit.playback import labels, queries
from audit.playback.rules import Kind
from bidhall import clock
from bidhall.accounts.models import Role
from bidhall.web import require

blueprint = Blueprint("playback", __name__)

SPEEDS = (1, 2, 4, 8, 16, 32)
SILENCE_CAP_SECONDS = 10  # a longer silence between two events plays as this many seconds
# events closer than this (a vote's last ballot and its close) play this far apart
SPACING_SECONDS = 0.5

# --- URL rules ----------------------------------------------------------------------------------
# supervisor:   GET  /supervision/playback                                   playback_index
#               GET  /supervision/playback/opening/<tender id>               opening_player
#               GET  /supervision/playback/evaluation/<session id>           evaluation_player


@blueprint.get("/supervision/playback")
@require(Role.SUPERVISOR)
def playback_index() -> Any:
    return render_template(
        "audit/playback_index.html", rows=queries.playbacks(clock.now()), zone=zone()
    )


@blueprint.get("/supervision/playback/opening/<int:tender_id>")
@require(Role.SUPERVISOR)
def opening_player(tender_id: int) -> Any:
    return _player(Kind.OPENING, tender_id)


@blueprint.get("/supervision/playback/evaluation/<int:session_id>")
@require(Role.SUPERVISOR)
def evaluation_player(session_id: int) -> Any:
    return _player(Kind.EVALUATION, session_id)


def _player(kind: Kind, id_: int) -> str:
    return render_template(
        "audit/playback.html",
        heading=queries.heading(kind, id_, clock.now()),
        speeds=SPEEDS,
        silence_cap=SILENCE_CAP_SECONDS,
        spacing=SPACING_SECONDS,
        zone=zone(),
        names={
            "matter": _strings(labels.MATTER_NAMES),
            "option": _strings(labels.OPTION_NAMES),
            "severity": _strings(SEVERITY_NAMES),
            "detector": _strings(DETECTOR_NAMES),
            "av": _strings(labels.AV_KINDS),
        },
    )


def _strings(names: dict) -> dict[str, str]:
    return {str(code): str(name) for code, name in names.items()}
