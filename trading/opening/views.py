"""The online opening hall's page (不见面开标). It renders no state of the hall: the page joins the
hall over Socket.IO (static/js/opening.js) and shows what the server says there, so no bidder's
name reaches the HTML before the reading out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _

from bidhall.errors import Forbidden, Unauthenticated
from bidhall.web import actor
from trading.opening import hall as opening

blueprint = Blueprint("opening", __name__)

# the refusals a hall command may meet, shown by opening.js in the page's language
HALL_ERRORS = (
    "before_opening",
    "not_decrypting",
    "decryption_failed",
    "invalid_key",
    "hall_not_open",
    "sign_in_closed",
    "not_allowed_in_hall",
    "not_in_hall",
    "not_custodian",
    "not_excused",
    "fallback_not_allowed",
    "shares_do_not_match",
    "share_already_in",
    "objections_unanswered",
    "already_answered",
    "bid_not_found",
    "record_not_published",
)


@blueprint.get("/tenders/<int:tender_id>/opening")
def opening_hall(tender_id: int) -> Any:
    user = actor()
    try:
        role, tender = opening.enter(user, tender_id)
    except Forbidden:
        if user is None:  # a visitor may be a bidder who has not signed in yet
            raise Unauthenticated("sign in first", code="login_required") from None
        raise
    return render_template(
        "trading/opening.html", tender=tender, role=role.value, error_texts=_hall_error_texts()
    )


def _hall_error_texts() -> dict[str, str]:
    """The page language's text of the hall's refusals (opening.js shows it instead of the
    server's English message); texts with placeholders are left to the server."""
    texts = {}
    for code in HALL_ERRORS:
        msgid = f"error:{code}"
        text = _(msgid)
        if text != msgid and "%(" not in text:
            texts[code] = text
    return texts
