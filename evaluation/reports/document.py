"""The evaluation report as a document, ``bidhall-evaluation-report/1``, and the members'
signatures on it. Pure: no Flask, no database (the live session hands in the content).

``build(content)`` checks the content's shape strictly and returns the document: every money
amount a string with two decimals, every score rounded half-up to two decimals, every time ISO
8601 in UTC. ``digest(document)`` is the hex SHA-256 of its canonical JSON (bidhall.canonical):
the bytes a member signs over, and exactly the bytes of the PDF's attachment ``report.json``.

The report names the committee (Law Art 38 keeps the experts' names secret until the result; the
report is handed to the tenderer with the result, and it is the record naming who evaluated).

A member signs ``signing_bytes(report_sha256, seat, dissent)`` with its Ed25519 signing key; the
signature entry the session keeps and the PDF carries::

    {"seat": 3, "certificate": PEM, "chain": [issuing PEM, root PEM], "signature": b64,
     "dissent": "text" | None, "signed_at": ISO (when the server received it)}

or, for a member who refused to sign without stating a dissent (deemed to agree, Regs Art 53),
``{"seat": 3, "refused": True, "recorded_at": ISO, "note": "text"}``.
``check_member_signature`` checks a signed entry offline; revocation is the registry's to judge,
so the session also calls ``bidhall.crypto.validation.validate(cert, "signing", at)`` when it
receives a signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bidhall.canonical import canonical
from bidhall.crypto import keys, rules, signed
from bidhall.crypto.errors import CertificateRefused, SignatureInvalid
from bidhall.errors import InvalidInput
from evaluation.reports import shape

FORMAT = "bidhall-evaluation-report/1"
SIGNATURE_FORMAT = "bidhall-report-signature/1"
RULE_SETS = ("construction", "gov_procurement")
METHODS = ("lowest_price", "comprehensive")
STAGES = ("qualification", "responsiveness")
MATTERS = ("leader", "veto", "abnormal_price", "correction", "tie", "other")
#: Regs Art 51's reasons for a veto (否决投标), as evaluation.sessions.rules.VETO_REASONS names them
VETO_REASONS = (
    "not_signed_or_sealed",
    "joint_agreement_missing",
    "unqualified",
    "multiple_bids_or_prices",
    "price_below_cost_or_above_ceiling",
    "not_responsive",
    "collusion_or_fraud",
)
USER_URI = "urn:bidhall:user:"
_SHA256 = re.compile(r"[0-9a-f]{64}")


# --- the document -------------------------------------------------------------------------------


def build(content: Mapping) -> dict:
    """The report document from the session's content; ``InvalidInput`` (code
    ``invalid_report_content``, ``field`` the path) on the first thing out of shape."""
    document = {"format": FORMAT, **shape.record(content, "content", _CONTENT)}
    _cross_check(document)
    return document


def digest(document: Mapping) -> str:
    """Hex SHA-256 of the document's canonical JSON."""
    return hashlib.sha256(canonical(document)).hexdigest()


def check_document(document: object) -> dict:
    """A document as ``build`` makes it (e.g. read back from ``report.json``), or
    ``InvalidInput``."""
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise shape.bad("document.format", f"the string {FORMAT!r}", None)
    rebuilt = build({k: v for k, v in document.items() if k != "format"})
    if rebuilt != document:
        raise InvalidInput(
            "the document is not in the normal form build() gives", code="invalid_report_content"
        )
    return rebuilt


# --- the members' signatures --------------------------------------------------------------------


def signing_bytes(document_sha256: str, member_seat: int, dissent: str | None) -> bytes:
    """What a member signs: canonical JSON of ``{"dissent", "format":
    "bidhall-report-signature/1", "report_sha256", "seat"}``."""
    if not isinstance(document_sha256, str) or not _SHA256.fullmatch(document_sha256):
        raise shape.bad("report_sha256", "64 lowercase hex digits", document_sha256)
    shape.whole(member_seat, "seat", 1)
    if dissent is not None:
        shape.text(dissent, "dissent")
    return canonical(
        {
            "format": SIGNATURE_FORMAT,
            "report_sha256": document_sha256,
            "seat": member_seat,
            "dissent": dissent,
        }
    )


def check_member_signature(
    document_sha256: str,
    signature_entry: Mapping,
    root_pem: str,
    *,
    user_id: int | None = None,
) -> None:
    """Check a member's signature entry offline: the Ed25519 signature over ``signing_bytes``,
    the certificate chain up to ``root_pem``, every certificate valid at ``signed_at``, the
    certificate's key usage (digital signature, not a CA) and, when ``user_id`` is given, that
    the certificate names that user. ``SignatureInvalid`` or ``CertificateRefused`` otherwise."""
    entry = check_signature_entry(signature_entry, "signature")
    if entry.get("refused"):
        raise InvalidInput("a refusal to sign is not a signature", code="not_a_signature")
    try:
        cert = keys.load_certificate(entry["certificate"])
        chain = [keys.load_certificate(pem) for pem in entry["chain"]]
        root = keys.load_certificate(root_pem)
    except (ValueError, TypeError):
        raise CertificateRefused(
            "not a PEM X.509 certificate", code="malformed_certificate"
        ) from None
    public_key = cert.public_key()
    if not isinstance(public_key, Ed25519PublicKey):
        raise SignatureInvalid(
            "the certificate does not carry an Ed25519 signing key",
            code="not_a_signing_certificate",
        )
    data = signing_bytes(document_sha256, entry["seat"], entry["dissent"])
    try:
        public_key.verify(base64.b64decode(entry["signature"], validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureInvalid(
            "the signature does not verify with the certificate's key over this report",
            code="bad_signature",
        ) from None
    if not signed.chains_to(cert, chain, root):
        raise CertificateRefused(
            "the certificate does not chain to the platform's root", code="unknown_issuer"
        )
    at = datetime.fromisoformat(entry["signed_at"])
    for each in (cert, *chain):
        # the purposes are not compared here: the key usage below decides
        rules.check_certificate(
            "signing", "signing", each.not_valid_before_utc, each.not_valid_after_utc, None, at
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        usage = constraints = None
    if usage is None or not usage.digital_signature or constraints is None or constraints.ca:
        raise CertificateRefused(
            "the certificate is not meant for digital signatures", code="wrong_purpose"
        )
    if user_id is not None and holder_user_id(cert) != user_id:
        raise CertificateRefused(
            f"the certificate is not that of this seat's member (user {user_id})",
            code="wrong_member",
        )


def check_signature_entry(entry: object, path: str) -> dict:
    """A signature entry in its normal form (a signed one or a refusal), or ``InvalidInput``."""
    if isinstance(entry, Mapping) and "refused" in entry:
        result = shape.record(entry, path, _REFUSAL)
        if result["refused"] is not True:
            raise shape.bad(f"{path}.refused", "true", result["refused"])
        return result
    return shape.record(entry, path, _SIGNED)


def holder_user_id(cert: x509.Certificate) -> int | None:
    """The user a holder certificate names (SAN ``urn:bidhall:user:<id>``)."""
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    for uri in names.get_values_for_type(x509.UniformResourceIdentifier):
        if uri.startswith(USER_URI) and uri[len(USER_URI) :].isdigit():
            return int(uri[len(USER_URI) :])
    return None


# --- the shapes ---------------------------------------------------------------------------------


_SIGNED = {
    "seat": shape.positive,
    "certificate": shape.pem,
    "chain": shape.list_of(shape.pem, 5, 1),
    "signature": shape.b64,
    "dissent": shape.nullable(shape.text),
    "signed_at": shape.time,
}
_REFUSAL = {
    "seat": shape.positive,
    "refused": shape.boolean,
    "recorded_at": shape.time,
    "note": shape.text,
}

_CONTENT: dict[str, shape.Check] = {
    "tender": shape.of(
        {
            "id": shape.positive,
            "reference": shape.name,
            "title": shape.text,
            "rule_set": shape.one_of(*RULE_SETS),
            "method": shape.one_of(*METHODS),
        }
    ),
    "session": shape.of({"id": shape.positive, "opened_at": shape.time, "closed_at": shape.time}),
    "committee": shape.list_of(
        shape.of(
            {
                "seat": shape.positive,
                "name": shape.name,
                "user_id": shape.positive,
                "venue": shape.name,
                "leader": shape.boolean,
            }
        ),
        at_least=1,
        at_most=99,
    ),
    "bids": shape.list_of(
        shape.of(
            {
                "bid_id": shape.positive,
                "bid_no": shape.positive,
                "lot": shape.positive,
                "bidder": shape.name,
                "read_out_price": shape.money,
                "evaluated_price": shape.nullable(shape.money),
                "passed": shape.boolean,
                "veto_reason": shape.nullable(shape.one_of(*VETO_REASONS)),
            }
        ),
        at_least=1,
    ),
    "review": shape.list_of(
        shape.of(
            {
                "bid_id": shape.positive,
                "stage": shape.one_of(*STAGES),
                "requirement": shape.name,
                "text": shape.text,
                "marks": shape.whole,
                "fails": shape.whole,
                "vetoes": shape.whole,
            }
        )
    ),
    "vetoes": shape.list_of(
        shape.of(
            {
                "bid_id": shape.positive,
                "reason": shape.one_of(*VETO_REASONS),
                "requirement": shape.nullable(shape.name),
                "detail": shape.text,
                "vote": shape.nullable(shape.positive),
            }
        )
    ),
    "votes": shape.list_of(
        shape.of(
            {
                "number": shape.positive,
                "matter": shape.one_of(*MATTERS),
                "question": shape.text,
                "bid_id": shape.nullable(shape.positive),
                "options": shape.list_of(shape.name, 200, 1),
                "result": shape.nullable(shape.name),
                "opened_at": shape.time,
                "closed_at": shape.time,
                "ballots": shape.list_of(shape.of({"seat": shape.positive, "choice": shape.name})),
            }
        )
    ),
    "clarifications": shape.list_of(
        shape.of(
            {
                "bid_id": shape.positive,
                "question": shape.text,
                "answer": shape.nullable(shape.text),
                "asked_at": shape.time,
                "answered_at": shape.nullable(shape.time),
            }
        )
    ),
    "corrections": shape.list_of(
        shape.of(
            {
                "bid_id": shape.positive,
                "original": shape.money,
                "corrected": shape.money,
                "steps": shape.list_of(shape.text, 50, 1),
            }
        )
    ),
    "scores": shape.of(
        {
            "criteria": shape.list_of(
                shape.of({"id": shape.name, "name": shape.name, "max": shape.score}), 100
            ),
            "members": shape.list_of(
                shape.of({"seat": shape.positive, "bid_id": shape.positive, "total": shape.score})
            ),
            "means": shape.list_of(
                shape.of({"bid_id": shape.positive, "criterion": shape.name, "mean": shape.score})
            ),
            "price": shape.list_of(shape.of({"bid_id": shape.positive, "score": shape.score})),
        }
    ),
    "ranking": shape.list_of(
        shape.of(
            {
                "rank": shape.positive,
                "bid_id": shape.positive,
                "score": shape.nullable(shape.score),
                "evaluated_price": shape.nullable(shape.money),
            }
        )
    ),
    "candidates": shape.list_of(shape.of({"rank": shape.positive, "bid_id": shape.positive}), 3),
    "dissent": shape.list_of(shape.of({"seat": shape.positive, "text": shape.text})),
}


def _cross_check(document: dict) -> None:
    """References between sections: seats, bids, votes and criteria that exist, once each."""
    seats = [m["seat"] for m in document["committee"]]
    if seats != list(range(1, len(seats) + 1)):
        raise shape.bad("content.committee", "seats numbered 1, 2, ... in order", seats)
    if sum(m["leader"] for m in document["committee"]) != 1:
        raise shape.bad("content.committee", "exactly one leader", None)
    bids = {b["bid_id"]: b for b in document["bids"]}
    shape.unique([b["bid_id"] for b in document["bids"]], "content.bids", "bid_id")
    for n, bid in enumerate(document["bids"]):
        if bid["passed"] == (bid["veto_reason"] is not None):
            raise shape.bad(f"content.bids[{n}].veto_reason", "null exactly when passed", bid)
    vetoed = {v["bid_id"]: v for v in document["vetoes"]}
    shape.unique([v["bid_id"] for v in document["vetoes"]], "content.vetoes", "bid_id")
    if set(vetoed) != {b for b, bid in bids.items() if not bid["passed"]}:
        raise shape.bad(
            "content.vetoes", "one entry for each bid that did not pass", sorted(vetoed)
        )
    for bid_id, veto in vetoed.items():
        if bids[bid_id]["veto_reason"] != veto["reason"]:
            raise shape.bad("content.vetoes", f"bid {bid_id}'s reason as in bids", veto["reason"])
    numbers = [v["number"] for v in document["votes"]]
    shape.unique(numbers, "content.votes", "number")
    for n, veto in enumerate(document["vetoes"]):
        if veto["vote"] is not None and veto["vote"] not in numbers:
            raise shape.bad(
                f"content.vetoes[{n}].vote", "the number of a vote listed", veto["vote"]
            )
    for n, vote in enumerate(document["votes"]):
        path = f"content.votes[{n}]"
        shape.unique([b["seat"] for b in vote["ballots"]], f"{path}.ballots", "seat")
        for ballot in vote["ballots"]:
            shape.known(ballot["seat"], seats, f"{path}.ballots", "seat")
            shape.known(ballot["choice"], vote["options"], f"{path}.ballots", "choice")
        if vote["result"] is not None:
            shape.known(vote["result"], vote["options"], path, "result")
    for n, row in enumerate(document["review"]):
        if not row["vetoes"] <= row["fails"] <= row["marks"]:
            raise shape.bad(f"content.review[{n}]", "vetoes <= fails <= marks", row)
    scores = document["scores"]
    criteria = [c["id"] for c in scores["criteria"]]
    shape.unique(criteria, "content.scores.criteria", "id")
    for section in ("review", "vetoes", "clarifications", "corrections", "ranking", "candidates"):
        for row in document[section]:
            shape.known(row["bid_id"], bids, f"content.{section}", "bid_id")
    for section in ("members", "means", "price"):
        for row in scores[section]:
            shape.known(row["bid_id"], bids, f"content.scores.{section}", "bid_id")
    for row in scores["members"]:
        shape.known(row["seat"], seats, "content.scores.members", "seat")
    for row in scores["means"]:
        shape.known(row["criterion"], criteria, "content.scores.means", "criterion")
    for row in document["dissent"]:
        shape.known(row["seat"], seats, "content.dissent", "seat")
    shape.unique([d["seat"] for d in document["dissent"]], "content.dissent", "seat")
    ranks = [r["rank"] for r in document["ranking"]]
    shape.unique([r["bid_id"] for r in document["ranking"]], "content.ranking", "bid_id")
    if ranks != sorted(ranks):
        raise shape.bad("content.ranking", "ranks in order, best first", ranks)
    for row in (*document["ranking"], *document["candidates"]):
        if not bids[row["bid_id"]]["passed"]:
            raise shape.bad("content.ranking", "only bids that passed", row["bid_id"])
    ranked = [r["bid_id"] for r in document["ranking"]]
    candidates = document["candidates"]
    if [c["rank"] for c in candidates] != list(range(1, len(candidates) + 1)):
        raise shape.bad("content.candidates", "ranks 1, 2, 3 in order", candidates)
    for row in candidates:
        shape.known(row["bid_id"], ranked, "content.candidates", "bid_id (a ranked bid)")
