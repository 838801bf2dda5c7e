"""The CA's public files and the holders' certificate API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from bidhall.crypto import serialize, services
from bidhall.web import actor, json_body, require

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
