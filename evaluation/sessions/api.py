"""The evaluation session over HTTP: the same state, messages and commands as the
``/evaluation`` Socket.IO namespace, for scripts, and the opening of a session.

- ``POST /api/tenders/<id>/evaluation``                open the tender's session
- ``GET  /api/evaluation/<id>``                        the session as the caller may see it
- ``GET  /api/evaluation/<id>/messages?after=N``       the messages after seq N
- ``POST /api/evaluation/<id>/<command>``              a session command (JSON with ``cmd_id``)
- ``GET  /api/evaluation/<id>/report.pdf``             the sealed report, once every member signed
- ``GET  /api/my/clarifications``                     the questions put to the caller (a bidder)
- ``POST /api/evaluation/<id>/clarifications/<n>/answer``  the bidder's answer
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from bidhall.web import actor, json_body, query_integer, require
from evaluation.sessions import clarifications, commands, report, room, services

blueprint = Blueprint("evaluation_api", __name__, url_prefix="/api")


@blueprint.post("/tenders/<int:tender_id>/evaluation")
@require()
def open_session(tender_id: int) -> Any:
    data = json_body()
    evaluation = services.open_session(
        actor(),
        tender_id,
        requirements=data.get("requirements"),
        planned=data.get("planned_minutes"),
        representatives=data.get("representatives"),
    )
    return jsonify({"session_id": evaluation.id, "state": evaluation.state}), 201


@blueprint.get("/evaluation/<int:session_id>")
@require()
def state(session_id: int) -> Any:
    role, member, key = room.enter(actor(), session_id)
    return jsonify(room.snapshot(actor(), role, member, key))


@blueprint.get("/evaluation/<int:session_id>/messages")
@require()
def messages(session_id: int) -> Any:
    after = query_integer("after", 0, what="the last seq you saw")
    room.enter(actor(), session_id)
    return jsonify({"messages": room.MESSAGES.after(session_id, after)})


@blueprint.post("/evaluation/<int:session_id>/<command>")
@require()
def command(session_id: int, command: str) -> Any:
    return jsonify(commands.run(actor(), session_id, command, json_body()))


@blueprint.get("/evaluation/<int:session_id>/report.pdf")
@require()
def report_pdf(session_id: int) -> Any:
    stream, sha256, key = report.sealed_pdf(actor(), session_id)
    response = Response(stream.read(), mimetype="application/pdf")
    stream.close()
    response.headers["Content-Disposition"] = f'inline; filename="evaluation-report-{key}.pdf"'
    response.headers["X-Content-SHA256"] = sha256
    return response


@blueprint.get("/my/clarifications")
@require()
def my_clarifications() -> Any:
    return jsonify({"clarifications": clarifications.my_clarifications(actor())})


@blueprint.post("/evaluation/<int:session_id>/clarifications/<int:number>/answer")
@require()
def answer_clarification(session_id: int, number: int) -> Any:
    data = json_body()
    return jsonify(clarifications.answer(actor(), session_id, number, data.get("answer")))
