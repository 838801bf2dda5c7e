"""HTTP plumbing shared by every blueprint: authentication (session or bearer token), role
checks, JSON parsing and the one error payload."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from flask import flash, g, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from bidhall import inputs
from bidhall.accounts.models import Role, User
from bidhall.errors import DomainError, Forbidden, InvalidInput, Unauthenticated

logger = logging.getLogger(__name__)


def actor() -> User | None:
    """The authenticated user of this request (token or session), or None."""
    user = getattr(g, "api_user", None) or current_user
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def require(*roles: Role) -> Callable:
    """Refuse the request unless the user is signed in (and has one of ``roles``, if given)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = actor()
            if user is None:
                raise Unauthenticated("sign in first", code="login_required")
            if roles and user.role not in roles:
                raise Forbidden("this needs the " + " or ".join(r.value for r in roles) + " role")
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the route/role table test
        return wrapped

    return decorate


class JSONProvider(DefaultJSONProvider):
    """Request bodies are read by ``bidhall.inputs.loads``: a body nested too deeply or holding
    a control character is refused (400) before anything else reads it."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return inputs.loads(s, **kwargs)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every URL rule: ASCII digits, and no larger than the database's INTEGER
    (a larger number in a path is a 404 like any unknown id, never an overflow)."""

    regex = r"[0-9]+"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", inputs.INT_MAX)
        super().__init__(map, *args, **kwargs)


def check_request_text() -> None:
    """Query strings, form fields and path segments follow the text rule of JSON strings."""
    for source in (request.args, request.form):
        for key, values in source.lists():
            inputs.check_text(key, key)
            for value in values:
                inputs.check_text(value, key)
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str):
            inputs.check_text(value, key)


def query_integer(name: str, default: int | None = None, **bounds: Any) -> int | None:
    """An integer from the query string, parsed by ``bidhall.inputs.integer``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return inputs.integer(raw, name, **bounds)


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(
            "send a JSON object with Content-Type: application/json", code="invalid_body"
        )
    return data


def user_message(error: DomainError) -> str:
    """The refusal's message for a person reading a page, in the page's language: the catalog
    holds a translation under ``error:<code>`` (with the error's details as %-placeholders);
    without one, the service's own (English) message."""
    from flask_babel import gettext

    msgid = f"error:{error.code}"
    translated = gettext(msgid)
    if translated == msgid:
        return error.message
    try:
        return translated % {key: value for key, value in error.details.items()}
    except (KeyError, TypeError, ValueError):
        return translated


def flash_refusal(error: DomainError | None) -> None:
    """Show a page's refused action above the re-rendered page. Call it after the page has loaded
    (and checked access to) what it shows: a page the user may not see becomes the plain error
    page, without a stray flash."""
    if error is not None:
        flash(user_message(error), "danger")


def refusal_status(error: DomainError | None) -> int:
    """The status of a re-rendered page: the refusal's 4xx, or 200."""
    return error.http_status if error is not None else 200


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        # a browser following a link (e.g. a document download) reads a page, scripts read JSON
        return request.accept_mimetypes.best != "text/html"
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(
    code: str,
    message: str,
    status: int,
    details: dict | None = None,
    localized: str | None = None,
) -> Any:
    payload: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        payload["error"]["details"] = details
    if localized:
        payload["error"]["localized"] = localized
    if wants_json():
        return jsonify(payload), status
    return render_template("errors/error.html", code=code, message=message, status=status), status


# Werkzeug's descriptions speak to developers; a page says it to a person (JSON keeps them)
PAGE_MESSAGES = {
    "not_found": "There is no page at this address: check the link, or start again from the "
    "list of tenders.",
    "method_not_allowed": "This address does not take that kind of request.",
    "bad_request": "The request could not be understood. Reload the page and try again.",
    "request_entity_too_large": "The file or form sent is larger than the platform accepts.",
}


def _page_text(code: str, message: str, **details: Any) -> str:
    """``message`` in the page's language when the request reads a page (see user_message)."""
    if wants_json():
        return message
    return user_message(DomainError(message, code=code, **details))


def register_error_handlers(app: Any) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Any:
        if isinstance(error, Unauthenticated) and not wants_json():
            from flask import redirect, url_for

            if error.code == "login_required":
                return redirect(url_for("core.login", next=request.full_path))
        if not wants_json():
            return error_response(error.code, user_message(error), error.http_status, error.details)
        # scripts read the service's (English) message; a page's script shows a person the
        # same refusal in the page's language, when the catalog has it
        localized = user_message(error)
        return error_response(
            error.code,
            error.message,
            error.http_status,
            error.details,
            localized=localized if localized != error.message else None,
        )

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        message = (
            f"the form's security token is missing or stale: "
            f"{error.description} Reload the page and try again."
        )
        return error_response("csrf_failed", _page_text("csrf_failed", message), 400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        code = (error.name or "http_error").lower().replace(" ", "_")
        message = error.description or error.name
        if not wants_json():
            message = _page_text(code, PAGE_MESSAGES.get(code, message))
        return error_response(code, message, error.code or 500)

    @app.errorhandler(Exception)
    def _internal(error: Exception) -> Any:
        log_id = uuid.uuid4().hex[:12]
        logger.exception("internal error %s on %s %s", log_id, request.method, request.path)
        message = f"something went wrong on our side (log id {log_id})"
        return error_response(
            "internal_error",
            _page_text("internal_error", message, log_id=log_id),
            500,
            {"log_id": log_id},
        )
