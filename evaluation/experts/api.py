"""The experts' JSON API: the CSV import. Thin: parse, call one service, shape the output."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from bidhall.accounts.models import Role
from bidhall.errors import InvalidInput
from bidhall.web import actor, require
from evaluation.experts import services

blueprint = Blueprint("experts_api", __name__, url_prefix="/api")


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
