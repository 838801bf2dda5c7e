"""The message centre's pages and API: every signed-in user reads its own messages, opens one
(read, then to where to act), marks them all read and sets the address they are e-mailed to.

# user: GET  /messages                          messages (?page=N, ?unread=1)
#       POST /messages/<id>/open                 open_message
#       POST /messages/read                      read_all
#       POST /messages/email                     set_email
#       GET  /api/messages                       api_messages (?page=N, ?unread=1)
#       POST /api/messages/<id>/read             api_read
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from bidhall import clock, inputs
from bidhall.errors import DomainError
from bidhall.notifications import services
from bidhall.web import actor, require

blueprint = Blueprint("messages", __name__)


@blueprint.app_context_processor
def _bell() -> dict[str, Any]:
    """The navigation bar's count of unread messages, for a signed-in user."""

    def unread_messages() -> int:
        user = actor()
        return services.unread_count(user) if user is not None else 0

    return {"unread_messages": unread_messages}


def _query() -> tuple[int, bool]:
    raw = request.args.get("page")
    page = 1 if raw in (None, "") else inputs.integer(raw, "page", minimum=1, maximum=100_000)
    return page, request.args.get("unread") == "1"


@blueprint.get("/messages")
@require()
def messages() -> Any:
    page, unread_only = _query()
    return _render(page, unread_only)


def _render(page: int = 1, unread_only: bool = False, error: DomainError | None = None) -> Any:
    inbox = services.inbox(actor(), page, unread_only)
    return render_template(
        "messages/list.html",
        inbox=inbox,
        unread_only=unread_only,
        text_of=services.text_of,
        email=actor().email,
        email_error=error,
    ), (error.http_status if error else 200)


@blueprint.post("/messages/<int:notification_id>/open")
@require()
def open_message(notification_id: int) -> Any:
    notification = services.mark_read(actor(), notification_id)
    # a stored path of this site (notifiers write paths only), never a URL from the request
    link = notification.link or ""
    if not link.startswith("/") or link.startswith("//"):
        link = url_for("messages.messages")
    return redirect(link)


@blueprint.post("/messages/read")
@require()
def read_all() -> Any:
    count = services.mark_all_read(actor())
    flash(
        ngettext("%(num)d message marked read.", "%(num)d messages marked read.", count), "success"
    )
    return redirect(url_for("messages.messages"))


@blueprint.post("/messages/email")
@require()
def set_email() -> Any:
    try:
        user = services.set_email(actor(), request.form.get("email"))
    except DomainError as error:
        return _render(error=error)
    if user.email:
        flash(
            _("Your messages will be e-mailed to %(email)s as well.", email=user.email), "success"
        )
    else:
        flash(_("Your messages are no longer e-mailed."), "success")
    return redirect(url_for("messages.messages"))


# --- JSON API -----------------------------------------------------------------------------------


@blueprint.get("/api/messages")
@require()
def api_messages() -> Any:
    page, unread_only = _query()
    inbox = services.inbox(actor(), page, unread_only)
    return jsonify(
        {
            "unread": inbox.unread,
            "total": inbox.total,
            "page": inbox.number,
            "pages": inbox.pages,
            "messages": [_message(n) for n in inbox.rows],
        }
    )


@blueprint.post("/api/messages/<int:notification_id>/read")
@require()
def api_read(notification_id: int) -> Any:
    return jsonify(_message(services.mark_read(actor(), notification_id)))


def _message(notification: Any) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": services.text_of(notification),
        "params": notification.params,
        "link": notification.link,
        "created_at": clock.as_utc(notification.created_at).isoformat(),
        "read_at": clock.as_utc(notification.read_at).isoformat() if notification.read_at else None,
    }
