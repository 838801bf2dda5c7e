"""Trading web pages: the public notice list and detail (with amendments and a countdown)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from bidhall.web import actor
from trading import services

blueprint = Blueprint("trading", __name__)


@blueprint.get("/")
def home() -> Any:
    return render_template("trading/home.html", tenders=services.public_tenders())


@blueprint.get("/tenders/<int:tender_id>")
def tender_detail(tender_id: int) -> Any:
    user = actor()
    tender = services.get_visible_tender(user, tender_id)
    return render_template(
        "trading/detail.html", tender=tender, manager=services.can_manage(user, tender),
        holder=services.held_by(user, tender.id), holders=services.holder_count(tender.id))
