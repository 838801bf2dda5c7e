"""Sign-in, language, and the administrator's registration of organisations and users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from bidhall.accounts import services
from bidhall.accounts.forms import LoginForm, OrganisationForm, UserForm, option
from bidhall.accounts.models import Role
from bidhall.errors import DomainError, InvalidInput
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
            return render_template("accounts/login.html", form=form), error.http_status
        login_user(user)
        target = request.args.get("next") or ""
        # only local paths: never an open redirect
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("trading.home")
        return redirect(target)
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
    target = request.referrer or url_for("trading.home")
    return redirect(target)


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
        actor(), data.get("name"), data.get("kind"), data.get("credit_code")
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
    organisation_id = data.get("organisation_id")
    if not isinstance(organisation_id, int) or isinstance(organisation_id, bool):
        raise InvalidInput(
            "organisation_id must be a whole number", code="invalid_field", field="organisation_id"
        )
    user = services.create_user(
        actor(),
        data.get("username") or "",
        data.get("password") or "",
        data.get("role") or "",
        organisation_id,
        data.get("display_name"),
    )
    return jsonify(_user(user)), 201


@blueprint.post("/api/tokens")
def api_create_token() -> Any:
    """Exchange a username and password for an API token (for scripts); throttled like login."""
    data = json_body()
    user = services.authenticate(
        str(data.get("username") or ""), str(data.get("password") or ""), request.remote_addr or "?"
    )
    token, secret = services.issue_token(user.id, str(data.get("name") or "api"))
    return jsonify({"id": token.id, "token": secret, "user": _user(user)}), 201


@blueprint.get("/api/me")
@require()
def api_me() -> Any:
    return jsonify(_user(actor()))


def _org(org: Any) -> dict:
    return {"id": org.id, "name": org.name, "kind": org.kind, "credit_code": org.credit_code}


def _user(user: Any) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "organisation_id": user.organisation_id,
    }
