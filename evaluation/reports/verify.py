"""Verify a sealed report PDF with nothing but the file (and the platform's root certificate).

The checks, each reported ok or failed with its reason:

- ``pdf``: the file is a PDF; ``attachments``: it carries ``report.json`` and ``signatures.json``;
- ``report``: ``report.json`` is a ``bidhall-evaluation-report/1`` document in its canonical
  bytes, whose SHA-256 is the report's digest; ``signatures``: ``signatures.json`` is for that
  digest, every entry in shape;
- ``seal.present``, ``seal.intact`` (the file's bytes are those sealed), ``seal.coverage`` (the
  seal covers the whole file: nothing was added after it), ``seal.trusted`` (the sealing
  certificate chains to the root, valid at the sealing time), ``seal.signer`` (it is the
  platform's own certificate);
- ``member.<seat>`` for every seat of the committee: its Ed25519 signature over the digest, its
  certificate issued under the same root, valid when signed, naming that member, with the same
  dissent as the report (or the platform's record that the member refused to sign);
  ``members``: no entry for a seat twice or for a seat the committee does not have.

Without ``root_pem`` the root the seal carries is used: that proves the file is whole and
consistent, not that it comes from this platform (the ``root`` check says so).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from bidhall.canonical import canonical
from bidhall.crypto import ca, keys
from bidhall.errors import DomainError, InvalidInput
from evaluation.reports import document as report
from evaluation.reports.pdf import REPORT_FILE, SIGNATURES_FILE, SIGNATURES_FORMAT


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str


@dataclass
class Finding:
    checks: list[Check] = field(default_factory=list)
    report_sha256: str | None = None
    tender_reference: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def add(self, name: str, ok: bool, reason: str) -> bool:
        self.checks.append(Check(name, ok, reason))
        return ok

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "report_sha256": self.report_sha256,
            "tender": self.tender_reference,
            "checks": [{"check": c.name, "ok": c.ok, "reason": c.reason} for c in self.checks],
        }


def verify_pdf(data: bytes, root_pem: str | None = None) -> Finding:
    """Every check of a sealed report PDF, offline; ``ok`` only when all pass."""
    finding = Finding()
    root = _load_root(root_pem)
    try:
        reader = PdfFileReader(io.BytesIO(data))
        files = _attachments(reader)
    except Exception as error:  # a damaged file is a failed check, never a traceback
        finding.add("pdf", False, f"not a readable PDF ({type(error).__name__}: {error})")
        return finding
    finding.add("pdf", True, "a readable PDF")
    missing = [name for name in (REPORT_FILE, SIGNATURES_FILE) if name not in files]
    if not finding.add(
        "attachments",
        not missing,
        f"{' and '.join(missing)} not attached"
        if missing
        else f"{REPORT_FILE} and {SIGNATURES_FILE} attached",
    ):
        return finding
    document = _report(finding, files[REPORT_FILE])
    entries = _signatures(finding, files[SIGNATURES_FILE])
    seal_root = _seal(finding, reader, root)
    trust = root or seal_root
    finding.add(
        "root",
        True,
        "checked against the root given"
        if root
        else "no root given: checked against the file's own root, which proves the file whole "
        "and consistent, not that it comes from this platform (give --root)",
    )
    if document is not None and entries is not None:
        _members(finding, document, entries, trust)
    return finding


# --- the attachments ----------------------------------------------------------------------------


def _attachments(reader: PdfFileReader) -> dict[str, bytes]:
    """name -> bytes of the document's embedded files (a flat or nested name tree)."""
    files: dict[str, bytes] = {}
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return files
    nodes = [tree]
    while nodes:
        node = nodes.pop().get_object()
        # indexing dereferences (get() would hand back an indirect reference)
        nodes.extend(node["/Kids"] if "/Kids" in node else [])
        pairs = list(node["/Names"]) if "/Names" in node else []
        for name, spec in zip(pairs[::2], pairs[1::2], strict=True):
            files[str(name)] = spec.get_object()["/EF"]["/F"].get_object().data
    return files


def _report(finding: Finding, data: bytes) -> dict | None:
    try:
        document = report.check_document(json.loads(data))
    except (ValueError, DomainError) as error:
        finding.add("report", False, f"{REPORT_FILE} is not a report document: {error}")
        return None
    if canonical(document) != data:
        finding.add("report", False, f"{REPORT_FILE} is not in its canonical bytes")
        return None
    finding.report_sha256 = hashlib.sha256(data).hexdigest()
    finding.tender_reference = document["tender"]["reference"]
    finding.add("report", True, f"{report.FORMAT}, SHA-256 {finding.report_sha256}")
    return document


def _signatures(finding: Finding, data: bytes) -> list[dict] | None:
    try:
        body = json.loads(data)
        assert isinstance(body, dict) and body.get("format") == SIGNATURES_FORMAT
        entries = [
            report.check_signature_entry(e, f"signatures[{n}]")
            for n, e in enumerate(body["signatures"])
        ]
    except (ValueError, KeyError, TypeError, AssertionError, DomainError) as error:
        finding.add("signatures", False, f"{SIGNATURES_FILE} is not {SIGNATURES_FORMAT}: {error}")
        return None
    if body.get("report_sha256") != finding.report_sha256:
        finding.add("signatures", False, f"{SIGNATURES_FILE} is for another report")
        return None
    finding.add("signatures", True, f"{len(entries)} entries for this report")
    return entries


# --- the seal -----------------------------------------------------------------------------------


def _seal(finding: Finding, reader: PdfFileReader, root: x509.Certificate | None):
    """Validate the platform's PAdES seal; returns the root it carries (for want of one given)."""
    seals = reader.embedded_signatures
    if not finding.add(
        "seal.present", len(seals) == 1, f"{len(seals)} PDF signatures (the seal is the one)"
    ):
        return None
    sig = seals[0]
    carried = _carried_root(sig)
    anchor = root or carried
    if anchor is None:
        finding.add("seal.trusted", False, "no root given and the seal carries none")
        return None
    try:
        context = ValidationContext(
            trust_roots=[_asn1(anchor)],
            allow_fetching=False,
            revocation_mode="soft-fail",
            # PAdES B-B: the chain is judged when the platform sealed
            moment=sig.self_reported_timestamp,
        )
        status = validate_pdf_signature(sig, context)
    except Exception as error:  # a damaged signature is a failed check
        finding.add("seal.intact", False, f"the seal cannot be checked ({error})")
        return carried
    finding.add(
        "seal.intact",
        status.intact and status.valid,
        "the file's sealed bytes are unchanged"
        if status.intact and status.valid
        else "the file was changed after it was sealed",
    )
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    finding.add(
        "seal.coverage",
        whole,
        "the seal covers the whole file"
        if whole
        else "something was added to the file after the seal",
    )
    # the chain on its own (pyHanko's ``trusted`` also folds in the integrity checked above)
    trusted = status.trust_problem_indic is None and status.validation_path is not None
    when = sig.self_reported_timestamp.isoformat() if sig.self_reported_timestamp else "now"
    finding.add(
        "seal.trusted",
        trusted,
        f"the sealing certificate chains to the root, valid at {when}"
        if trusted
        else f"the sealing certificate does not chain to the root ({status.trust_problem_indic})",
    )
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    finding.add(
        "seal.signer",
        _is_platform(cert),
        "sealed by the platform's certificate"
        if _is_platform(cert)
        else "the sealing certificate is not the platform's",
    )
    return carried


def _carried_root(sig) -> x509.Certificate | None:
    for cert in sig.other_embedded_certs:
        if cert.self_signed in ("yes", "maybe"):
            return x509.load_der_x509_certificate(cert.dump())
    return None


def _is_platform(cert: x509.Certificate) -> bool:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return ca.PLATFORM_URI in names.get_values_for_type(x509.UniformResourceIdentifier)


# --- the members --------------------------------------------------------------------------------


def _members(
    finding: Finding, document: dict, entries: list[dict], root: x509.Certificate | None
) -> None:
    seats = {m["seat"]: m for m in document["committee"]}
    dissent = {d["seat"]: d["text"] for d in document["dissent"]}
    by_seat: dict[int, list[dict]] = {}
    for entry in entries:
        by_seat.setdefault(entry["seat"], []).append(entry)
    strays = sorted(set(by_seat) - set(seats))
    twice = sorted(seat for seat, found in by_seat.items() if len(found) > 1)
    finding.add(
        "members",
        not strays and not twice,
        f"entries for seats not in the committee: {strays}"
        if strays
        else f"seats signed twice: {twice}"
        if twice
        else f"one entry per seat for {len(by_seat)} of {len(seats)} seats",
    )
    root_pem = keys.certificate_pem(root) if root is not None else None
    for seat, member in seats.items():
        name = f"member.{seat}"
        found = by_seat.get(seat, [])
        if not found:
            finding.add(name, False, f"no signature of member {seat} ({member['name']})")
            continue
        entry = found[0]
        if entry.get("refused"):
            finding.add(
                name, True, "refused to sign without a dissent: deemed to agree (Regs Art 53)"
            )
            continue
        if entry["dissent"] != dissent.get(seat):
            finding.add(name, False, "the dissent signed differs from the report's")
            continue
        if root_pem is None:
            finding.add(name, False, "no root to check the certificate against")
            continue
        try:
            report.check_member_signature(
                finding.report_sha256, entry, root_pem, user_id=member["user_id"]
            )
        except DomainError as error:
            finding.add(name, False, f"{error.code}: {error.message}")
            continue
        finding.add(name, True, f"signed by {member['name']} at {entry['signed_at']}")


def _load_root(root_pem: str | None) -> x509.Certificate | None:
    if root_pem is None:
        return None
    try:
        return keys.load_certificate(root_pem)
    except (ValueError, TypeError):
        raise InvalidInput("the root is not a PEM certificate", code="invalid_root") from None


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
