"""A submitted ``bidhall-guarantee/1`` document: its shape checks and field parsers, and
``sign_guarantee``, the issuer's side as docs/guarantees.md describes it."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bidhall import inputs
from bidhall.crypto import keys
from bidhall.errors import InvalidInput
from trading.guarantees import rules

MAX_DOCUMENT_BYTES = 64 * 1024
_MAX_SAFE_INT = 2**53 - 1


# --- the submission -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """A signed ``bidhall-guarantee/1`` document, checked for shape only."""

    document: dict
    terms: rules.GuaranteeTerms
    issuer_name: str
    signature: bytes
    certificate: Any  # x509.Certificate


def parse_submission(data: Any) -> Submission:
    """Shape checks of ``{"document": {...}, "signature": "...", "certificate": "PEM"}``."""
    if not isinstance(data, Mapping):
        raise _malformed("expected a JSON object with document, signature and certificate")
    document = data.get("document")
    if not isinstance(document, dict):
        raise _malformed("document: expected the guarantee as a JSON object", "document")
    _check_values(document, "document")
    try:
        size = len(keys.canonical(document))
    except UnicodeEncodeError:  # a lone surrogate (\ud800) has no UTF-8 form
        raise _malformed("the document's text is not valid Unicode", "document") from None
    if size > MAX_DOCUMENT_BYTES:
        raise _malformed(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes", "document")
    if document.get("format") != rules.GUARANTEE_FORMAT:
        raise _malformed(f"document.format must be {rules.GUARANTEE_FORMAT!r}", "document.format")
    try:
        signature = keys.unb64(data.get("signature"))
    except (ValueError, binascii.Error):
        raise _malformed("signature: expected base64 text", "signature") from None
    pem = data.get("certificate")
    if not isinstance(pem, str) or not pem.strip():
        raise _malformed("certificate: expected the issuer's signing certificate (PEM)")
    try:
        certificate = keys.load_certificate(pem)
    except (ValueError, TypeError):
        raise InvalidInput(
            "certificate: not a PEM X.509 certificate", code="malformed_certificate"
        ) from None
    issuer = _member(document, "issuer")
    tender = _member(document, "tender")
    kind = _string(document, "kind", 30)
    if kind not in rules.GUARANTEE_KINDS:
        raise _malformed(
            f"document.kind is one of {', '.join(rules.GUARANTEE_KINDS)}", "document.kind"
        )
    terms = rules.GuaranteeTerms(
        number=_string(document, "number", 60),
        kind=kind,
        issuer_organisation_id=_integer(issuer, "organisation_id", "issuer."),
        applicant_organisation_id=_integer(
            _member(document, "applicant"), "organisation_id", "applicant."
        ),
        beneficiary_organisation_id=_integer(
            _member(document, "beneficiary"), "organisation_id", "beneficiary."
        ),
        tender_id=_integer(tender, "id", "tender."),
        tender_reference=_string(tender, "reference", 40, "tender."),
        lot=_integer(document, "lot"),
        amount=_amount(document, "amount"),
        currency=_string(document, "currency", 3),
        valid_from=_moment(document, "valid_from"),
        valid_until=_moment(document, "valid_until"),
    )
    return Submission(
        document=document,
        terms=terms,
        issuer_name=_string(issuer, "name", 200, "issuer."),
        signature=signature,
        certificate=certificate,
    )


# --- the document's shape -----------------------------------------------------------------------


def _malformed(message: str, field_name: str | None = None) -> InvalidInput:
    details = {"field": field_name} if field_name else {}
    return InvalidInput(message, code="invalid_guarantee", **details)


def _member(document: Mapping, key: str) -> Mapping:
    value = document.get(key)
    if not isinstance(value, Mapping):
        raise _malformed(f"document.{key}: expected an object", f"document.{key}")
    return value


def _string(data: Mapping, key: str, max_length: int, prefix: str = "") -> str:
    value = data.get(key)
    name = f"document.{prefix}{key}"
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise _malformed(f"{name}: expected text of 1 to {max_length} characters", name)
    return value.strip()


def _integer(data: Mapping, key: str, prefix: str = "") -> int:
    value = data.get(key)
    name = f"document.{prefix}{key}"
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= inputs.INT_MAX:
        raise _malformed(f"{name}: expected a whole number up to {inputs.INT_MAX}", name)
    return value


def _amount(data: Mapping, key: str) -> Decimal:
    value = data.get(key)
    name = f"document.{key}"
    # a string, so that no JSON number rounding can change what the issuer signed
    if not isinstance(value, str):
        raise _malformed(f'{name}: expected a decimal string such as "200000.00"', name)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _malformed(f"{name}: not a decimal amount", name) from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2 or amount >= 10**14:
        raise _malformed(f"{name}: a positive amount with at most 2 decimals", name)
    return amount.quantize(Decimal("0.01"))


def _moment(data: Mapping, key: str) -> datetime:
    value = data.get(key)
    name = f"document.{key}"
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _malformed(
            f"{name}: expected an ISO 8601 date-time with its zone, e.g. 2026-09-30T23:59:59+08:00",
            name,
        )
    return parsed


def _check_values(value: Any, where: str) -> None:
    """Canonical JSON here has whole numbers only, within ±(2**53 - 1): a float's text, or a
    larger integer, differs between languages' JSON libraries."""
    if isinstance(value, float) or (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE_INT
    ):
        raise _malformed(
            f"{where}: numbers must be whole and within ±(2**53 - 1); write amounts as strings",
            where,
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_values(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{where}[{index}]")


# --- the issuer's side (a reference implementation for docs/guarantees.md) ----------------------


def sign_guarantee(document: Mapping, signing_key: Any, certificate_pem: str) -> dict:
    """What an issuer's system sends: the document, its Ed25519 signature over the canonical JSON
    of the document, and the issuer's signing certificate."""
    data = json.loads(json.dumps(document))  # plain JSON values only
    return {
        "document": data,
        "signature": base64.b64encode(signing_key.sign(keys.canonical(data))).decode("ascii"),
        "certificate": certificate_pem,
    }
