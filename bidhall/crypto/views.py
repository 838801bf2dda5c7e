"""The CA's public files and the holders' certificate API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bidhall.crypto import keys, serialize, services, validation
from bidhall.errors import Conflict, InvalidInput
from bidhall.web import actor, json_body, require, user_message

blueprint = Blueprint("crypto", __name__)

PEM_TYPE = "application/x-pem-file"

# --- public CA files ----------------------------------------------------------------------------


@blueprint.get("/ca/root.pem")
def root_certificate() -> Any:
    return _pem(services.root_pem(), "root.pem")


@blueprint.get("/ca/issuing.pem")
def issuing_certificate() -> Any:
    return _pem(services.issuing_pem(), "issuing.pem")


@blueprint.get("/ca/crl.pem")
def revocation_list() -> Any:
    response = _pem(services.current_crl(), "crl.pem")
    response.headers["Cache-Control"] = "no-cache"  # a revocation must be seen at once
    return response


# --- the holder's page ---------------------------------------------------------------------------

# the reasons a holder gives for revoking its own certificate, as the page words them (RFC 5280
# reason names as the values)
HOLDER_REASONS = {
    "key_compromise": _l("The key file is lost or its passphrase known to others"),
    "superseded": _l("Replaced by a new key file"),
    "affiliation_changed": _l("I have left the organisation"),
    "cessation_of_operation": _l("No longer needed"),
}
# how the list names the reason a certificate was revoked for
REASON_NAMES = {
    "unspecified": _l("no reason given"),
    "key_compromise": _l("key compromised"),
    "superseded": _l("replaced by a new key file"),
    "affiliation_changed": _l("left the organisation"),
    "cessation_of_operation": _l("no longer needed"),
    "privilege_withdrawn": _l("withdrawn by the centre"),
}


@blueprint.get("/account/keys")
@require()
def account_keys() -> Any:
    """The signed-in user's certificates, and the making of a new key file in the browser: the
    keys are generated and locked in the page (static/js/enrol.js), only the public halves come
    here, as a ``bidhall-certreq/1`` request to ``POST /api/certificates``."""
    response = render_template(
        "accounts/keys.html",
        certificates=[
            (row, validation.certificate_status(row)) for row in services.certificates_of(actor())
        ],
        reasons=HOLDER_REASONS,
        reason_names=REASON_NAMES,
        iterations=keys.DEFAULT_ITERATIONS,
        minimum=keys.MIN_PASSPHRASE,
    )
    return response, 200, {"Cache-Control": "no-store"}


@blueprint.post("/account/keys/<serial>/revoke")
@require()
def account_revoke_certificate(serial: str) -> Any:
    """Revoke one's own certificate (a lost or exposed key file); the form's CSRF token is
    checked for every POST (bidhall/shell/app.py)."""
    reason = request.form.get("reason", "")
    try:  # authorised first, then the reason checked (services.revoke)
        row = services.revoke(actor(), serial, reason)
    except (InvalidInput, Conflict) as error:  # no reason, or revoked already in another tab
        flash(user_message(error), "danger")
        return redirect(url_for("crypto.account_keys")), 303
    flash(_("Certificate %(serial)s revoked.", serial=row.serial), "success")
    return redirect(url_for("crypto.account_keys")), 303


# --- JSON API -----------------------------------------------------------------------------------


@blueprint.post("/api/certificates")
@require()
def api_enroll() -> Any:
    """Body: a ``bidhall-certreq/1`` request. Answer: both certificates and the chain."""
    signing, encryption = services.enroll(actor(), json_body())
    return jsonify(serialize.enrollment_answer(signing, encryption)), 201


@blueprint.get("/api/certificates")
@require()
def api_certificates() -> Any:
    return jsonify([serialize.certificate(row) for row in services.certificates_of(actor())])


@blueprint.post("/api/certificates/<serial>/revoke")
@require()
def api_revoke(serial: str) -> Any:
    reason = json_body().get("reason")
    row = services.revoke(actor(), serial, reason if isinstance(reason, str) else None)
    return jsonify(serialize.certificate(row))


def _pem(text: str | bytes, filename: str) -> Response:
    response = Response(text, mimetype=PEM_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
