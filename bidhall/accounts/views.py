"""Sign-in, language, and the administrator's registration of organisations and users."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    after_this_request,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from bidhall import inputs
from bidhall.accounts import registrations, services
from bidhall.accounts.forms import (
    LoginForm,
    OrganisationForm,
    RegistrationForm,
    RejectionForm,
    TokenForm,
    UserForm,
    option,
)
from bidhall.accounts.models import Role
from bidhall.errors import Conflict, DomainError, InvalidInput, TooManyAttempts
from bidhall.web import actor, json_body, require, user_message

blueprint = Blueprint("core", __name__)

# --- sign-in and language -----------------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.username.data, form.password.data, request.remote_addr or "?"
            )
        except DomainError as error:
            flash(user_message(error), "danger")
            page = render_template("accounts/login.html", form=form)
            return page, error.http_status, _retry_after(error)
        login_user(user)
        return redirect(_same_site_path(request.args.get("next")) or url_for("trading.home"))
    return render_template("accounts/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    logout_user()
    return redirect(url_for("trading.home"))


@blueprint.route("/lang/<code>", methods=["POST"])
def set_language(code: str) -> Any:
    from flask import current_app

    if code not in current_app.config["LANGUAGES"]:
        raise InvalidInput(f"unknown language {code!r}", code="invalid_language")
    session["lang"] = code
    # back to the page the switch was on, when it is one of ours (never another site)
    referrer = urlsplit(request.referrer or "")
    same_host = referrer.netloc == request.host
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "") if same_host else None
    return redirect(_same_site_path(back) or url_for("trading.home"))


# --- administration pages -----------------------------------------------------------------------


@blueprint.route("/admin/organisations", methods=["GET", "POST"])
@require(Role.ADMIN)
def admin_organisations() -> Any:
    form = OrganisationForm()
    status = 400 if form.is_submitted() else 200  # a submitted form shown again was refused
    if form.validate_on_submit():
        try:
            org = services.create_organisation(
                actor(), form.name.data, form.kind.data, form.credit_code.data
            )
        except DomainError as error:
            flash(user_message(error), "danger")
            status = error.http_status
        else:
            flash(_("Registered %(name)s", name=org.name), "success")
            return redirect(url_for("core.admin_organisations"))
    return render_template(
        "accounts/organisations.html", form=form, organisations=services.list_organisations()
    ), status


@blueprint.route("/register", methods=["GET", "POST"])
def register() -> Any:
    """A company registers itself and its first user; an administrator approves it."""
    form = RegistrationForm()
    status = 400 if form.is_submitted() else 200  # a submitted form shown again was refused
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            registrations.submit(
                registrations.Application(
                    organisation_name=form.organisation_name.data,
                    credit_code=form.credit_code.data,
                    contact_name=form.contact_name.data,
                    username=form.username.data,
                    password=form.password.data,
                    email=form.email.data,
                ),
                request.remote_addr,
            )
        except DomainError as error:
            if not form.show_at_field(error, user_message(error)):
                flash(user_message(error), "danger")
            status = error.http_status
            headers = _retry_after(error)
        else:
            flash(
                _(
                    "Your registration was received. You can sign in as soon as the centre "
                    "approves it; you will be told by e-mail."
                ),
                "success",
            )
            return redirect(url_for("core.login"))
    return (
        render_template(
            "accounts/register.html", form=form, open=registrations.open_to_the_public()
        ),
        status,
        headers,
    )


@blueprint.get("/admin/registrations")
@require(Role.ADMIN)
def admin_registrations() -> Any:
    return _render_registrations()


def _render_registrations(error: DomainError | None = None) -> Any:
    if error is not None:
        flash(user_message(error), "danger")
    return render_template(
        "accounts/registrations.html",
        registrations=registrations.registrations(actor()),
    ), (error.http_status if error else 200)


@blueprint.post("/admin/registrations/<int:registration_id>/approve")
@require(Role.ADMIN)
def approve_registration(registration_id: int) -> Any:
    try:
        registration = registrations.approve(actor(), registration_id)
    except DomainError as error:
        return _render_registrations(error)
    flash(_("Approved %(name)s.", name=registration.organisation_name), "success")
    return redirect(url_for("core.admin_registrations"))


@blueprint.post("/admin/registrations/<int:registration_id>/reject")
@require(Role.ADMIN)
def reject_registration(registration_id: int) -> Any:
    form = RejectionForm()
    try:
        registration = registrations.reject(actor(), registration_id, form.reason.data)
    except DomainError as error:
        return _render_registrations(error)
    flash(_("Rejected %(name)s.", name=registration.organisation_name), "success")
    return redirect(url_for("core.admin_registrations"))


@blueprint.route("/admin/users", methods=["GET", "POST"])
@require(Role.ADMIN)
def admin_users() -> Any:
    form = UserForm()
    form.organisation_id.choices = [
        option(o.id, f"{o.name} ({_(o.kind)})") for o in services.list_organisations()
    ]
    status = 400 if form.is_submitted() else 200  # a submitted form shown again was refused
    if form.validate_on_submit():
        try:
            user = services.create_user(
                actor(),
                form.username.data,
                form.password.data,
                form.role.data,
                form.organisation_id.data,
                form.display_name.data,
            )
        except DomainError as error:
            flash(user_message(error), "danger")
            status = error.http_status
        else:
            flash(_("Registered %(name)s", name=user.username), "success")
            return redirect(url_for("core.admin_users"))
    return render_template("accounts/users.html", form=form, users=services.list_users()), status


@blueprint.route("/account/tokens", methods=["GET", "POST"])
@require()
def account_tokens() -> Any:
    """The signed-in user's API tokens for scripts and the command line: name and create one
    (its secret shown on this answer only, never again), see and revoke the others."""
    form = TokenForm()
    status = 400 if form.is_submitted() else 200  # a submitted form shown again was refused
    issued = None
    if form.validate_on_submit():
        token, secret = services.issue_token(actor().id, form.name.data.strip())
        issued = {"id": token.id, "name": token.name, "secret": secret}
        form = TokenForm(formdata=None)
        status = 201
    response = render_template(
        "accounts/tokens.html", form=form, tokens=services.tokens_of(actor()), issued=issued
    )
    return response, status, {"Cache-Control": "no-store"}


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@require()
def account_revoke_token(token_id: int) -> Any:
    try:  # the form's CSRF token is checked for every POST (bidhall/shell/app.py)
        token = services.revoke_token(actor(), token_id)
    except Conflict as error:  # revoked already (in another tab): say so on the list
        flash(user_message(error), "danger")
    else:
        flash(_("Revoked “%(name)s”: it no longer signs anyone in.", name=token.name), "success")
    return redirect(url_for("core.account_tokens"))


# --- JSON API -----------------------------------------------------------------------------------


@blueprint.get("/api/organisations")
@require(Role.ADMIN)
def api_organisations() -> Any:
    return jsonify([_org(o) for o in services.list_organisations(request.args.get("kind"))])


@blueprint.post("/api/organisations")
@require(Role.ADMIN)
def api_create_organisation() -> Any:
    data = json_body()
    org = services.create_organisation(
        actor(),
        inputs.text(data.get("name"), "name", max_length=200),
        inputs.text(data.get("kind"), "kind", max_length=20),
        inputs.optional_text(data.get("credit_code"), "credit_code", max_length=18),
    )
    return jsonify(_org(org)), 201


@blueprint.get("/api/users")
@require(Role.ADMIN)
def api_users() -> Any:
    return jsonify([_user(u) for u in services.list_users()])


@blueprint.post("/api/users")
@require(Role.ADMIN)
def api_create_user() -> Any:
    data = json_body()
    user = services.create_user(
        actor(),
        inputs.text(data.get("username"), "username", max_length=80),
        inputs.text(data.get("password"), "password", max_length=1000, strip=False),
        inputs.text(data.get("role"), "role", max_length=30),
        inputs.identifier(data.get("organisation_id"), "organisation_id"),
        inputs.optional_text(data.get("display_name"), "display_name", max_length=120),
    )
    return jsonify(_user(user)), 201


@blueprint.post("/api/tokens")
def api_create_token() -> Any:
    """Exchange a username and password for an API token (for scripts); throttled like login."""
    data = json_body()
    try:
        user = services.authenticate(
            inputs.text(data.get("username"), "username", max_length=80),
            inputs.text(data.get("password"), "password", max_length=1000, strip=False),
            request.remote_addr or "?",
        )
    except TooManyAttempts as error:
        headers = _retry_after(error)

        @after_this_request
        def _add_retry_after(response: Any) -> Any:  # on the error handler's answer
            response.headers.extend(headers)
            return response

        raise
    name = inputs.text(data.get("name"), "name", required=False, max_length=80) or "api"
    token, secret = services.issue_token(user.id, name)
    return jsonify({"id": token.id, "token": secret, "user": _user(user)}), 201


@blueprint.get("/api/tokens")
@require()
def api_tokens() -> Any:
    """The caller's own API tokens (never their secrets)."""
    return jsonify({"tokens": [_token(t) for t in services.tokens_of(actor())]})


@blueprint.post("/api/tokens/<int:token_id>/revoke")
@require()
def api_revoke_token(token_id: int) -> Any:
    return jsonify(_token(services.revoke_token(actor(), token_id)))


@blueprint.get("/api/me")
@require()
def api_me() -> Any:
    return jsonify(_user(actor()))


def _retry_after(error: DomainError) -> dict[str, str]:
    """The Retry-After header (RFC 9110 §10.2.3) of a throttled login, else none."""
    seconds = error.details.get("retry_after_seconds")
    return {"Retry-After": str(seconds)} if isinstance(error, TooManyAttempts) and seconds else {}


def _same_site_path(target: str | None) -> str | None:
    """``target`` when it is a path of this site (with its query), else None: never an open
    redirect. Parsed, not prefix-checked: browsers drop tabs and newlines, read a backslash as
    a slash and ``///host`` as ``//host``, and a proxy may decode ``%2F`` once more, so the
    path must stay one local path after each of those readings."""
    if not target or len(target) > _MAX_NEXT_LENGTH or not _is_local(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    path = parts.path
    for _decoding in range(_MAX_DECODINGS):
        if not _is_local(path):
            return None
        decoded = unquote(path)
        if decoded == path:
            return target
        path = decoded
    return None  # still percent-encoded after several decodings: nobody needs that


_MAX_NEXT_LENGTH = 2000
_MAX_DECODINGS = 4


def _is_local(text: str) -> bool:
    """Starts with exactly one slash; no backslash, whitespace, control or invisible char."""
    return (
        text.startswith("/")
        and not text.startswith("//")
        and not any(
            char == "\\" or char.isspace() or unicodedata.category(char)[0] in "CZ" for char in text
        )
    )


def _org(org: Any) -> dict:
    return {"id": org.id, "name": org.name, "kind": org.kind, "credit_code": org.credit_code}


def _token(token: Any) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "created_at": token.created_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def _user(user: Any) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "organisation_id": user.organisation_id,
    }
