"""The public open-data API (no login): the OCDS release feed and the records. Thin: parse, call
one service, shape the package."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from bidhall import inputs
from trading.publication import ocds, services

blueprint = Blueprint("ocds_api", __name__, url_prefix="/api/ocds")


@blueprint.get("/releases")
def releases() -> Any:
    """A release package of the releases committed after the cursor ``after`` (a ledger seq,
    0 from the start), ``limit`` of them at most (100 by default, 1000 at most), in commit
    order; ``links.next`` asks for the following page (the same cursor when this one is empty:
    poll it)."""
    after = _number("after", 0, minimum=0)
    limit = _number("limit", services.DEFAULT_PAGE, minimum=1, maximum=services.MAX_PAGE)
    found = services.page(after, limit)
    meta = services.package_meta(url_for(".releases", after=after, limit=limit, _external=True))
    following = url_for(".releases", after=found.after, limit=limit, _external=True)
    body = "".join(ocds.release_package_text(meta, found.releases, following))
    return Response(body, mimetype="application/json")


@blueprint.get("/records/<ocid>")
def record(ocid: str) -> Any:
    """The record package of one contracting process: its releases and the compiled release."""
    found = services.record(ocid)
    meta = services.package_meta(url_for(".record", ocid=ocid, _external=True))
    return jsonify(ocds.record_package(meta, [found]))


def _number(name: str, default: int, *, minimum: int, maximum: int = inputs.INT_MAX) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    return inputs.integer(value, name, minimum=minimum, maximum=maximum)
