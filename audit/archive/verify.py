"""Check a tender's archive offline (docs/archive.md): nothing but the file and, ideally, the
platform's root certificate pinned by the caller.

In order, stopping at the first problem: the manifest's platform signature and certificate
chain; that the ZIP holds exactly the members the manifest lists (none missing, none added);
each member's SHA-256 and size; then each kind of member with the platform's own verifiers —
every receipt (``trading.bids.receipts``), every sealed envelope (its bidder's signature over
its ciphertext hashes, and that its receipt names it), the opening record
(``trading.opening.record``), the sealed evaluation report (``evaluation.reports.verify``) —
and the ledger excerpt: every entry's hash given its ``prev_hash``, the links inside each
contiguous segment, and each segment's last entry against a signed checkpoint. Every signature
must lead to one root: the pinned one, else the root the manifest carries (which proves the file
is whole and consistent, not that it comes from the platform; the output says which)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from audit.archive.rules import FORMAT, MANIFEST
from bidhall.canonical import canonical
from bidhall.crypto import signed
from bidhall.envelope import reading as envelope_reading
from bidhall.errors import DomainError
from evaluation.reports.verify import verify_pdf
from trading.bids.receipts import verify_receipt
from trading.opening.record import verify_record

CHECKPOINT_FORMAT = "bidhall-checkpoint/1"
GENESIS = "0" * 64


class Problem(Exception):
    def __init__(self, member: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.member, self.code, self.message = member, code, message


@dataclass
class Result:
    ok: bool = False
    tender: str | None = None
    trusted_root: dict | None = None
    retention: dict | None = None
    checked: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "members",
                "documents",
                "envelopes",
                "receipts",
                "opening_record",
                "report",
                "ledger_entries",
                "ledger_segments",
                "concerning_entries",
                "checkpoints",
            ),
            0,
        )
    )
    problem: dict | None = None

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "tender": self.tender,
            "trusted_root": self.trusted_root,
            "retention": self.retention,
            "checked": self.checked,
            "problem": self.problem,
        }


def verify_archive(path: str | Path, root_pem: str | None = None) -> Result:
    result = Result()
    try:
        _verify(Path(path), root_pem, result)
        result.ok = True
    except Problem as problem:
        result.problem = {
            "member": problem.member,
            "code": problem.code,
            "message": problem.message,
        }
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
        # signed by the platform yet not in the shape this verifier knows: never a traceback
        result.problem = {
            "member": None,
            "code": "malformed_archive",
            "message": f"the archive is not in the bidhall-archive/1 shape ({error!r})",
        }
    return result


def _verify(path: Path, root_pem: str | None, result: Result) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise Problem(None, "not_an_archive", f"{path} is not a readable ZIP: {error}") from None
    with archive:
        names = archive.namelist()
        for name in names:
            if names.count(name) > 1:
                raise Problem(name, "duplicate_member", f"{name} is in the archive twice")
        if MANIFEST not in names:
            raise Problem(MANIFEST, "missing_member", "the archive has no manifest")
        document, body, root_pem = _manifest(_read(archive, MANIFEST), root_pem, result)
        listed = {m["path"]: m for m in body["members"]}
        for name in names:
            if name != MANIFEST and name not in listed:
                raise Problem(name, "unlisted_member", f"{name} is not in the signed manifest")
        for member in body["members"]:
            _check_member(archive, member, names)
            result.checked["members"] += 1
        _check_contents(archive, body, document, root_pem, result)


def _manifest(data: bytes, root_pem: str | None, result: Result) -> tuple[dict, dict, str]:
    try:
        document = json.loads(data)
    except ValueError:
        raise Problem(MANIFEST, "invalid_manifest", "the manifest is not JSON") from None
    try:
        chain = document["chain"]
        carried = chain[-1]
        x509.load_pem_x509_certificate(carried.encode())
    except (KeyError, IndexError, TypeError, ValueError):
        raise Problem(MANIFEST, "invalid_manifest", "the manifest carries no CA chain") from None
    trusted = root_pem or carried
    try:
        root = x509.load_pem_x509_certificate(trusted.encode())
    except ValueError:
        raise Problem(None, "invalid_root", "the given root is not a PEM certificate") from None
    result.trusted_root = {
        "source": "pinned" if root_pem else "embedded",
        "fingerprint_sha256": hashlib.sha256(
            root.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
        "subject": root.subject.rfc4514_string(),
    }
    if not root_pem:
        result.trusted_root["note"] = (
            "the root the archive carries: proves the archive is whole and consistent, not that "
            "the platform made it; pass --root with the platform's root to prove that"
        )
    try:
        body = signed.verify(document, "manifest", FORMAT, "archive manifest", trusted)
        members = body["members"]
        assert isinstance(members, list)
        for m in members:
            assert isinstance(m["path"], str) and isinstance(m["kind"], str)
            assert isinstance(m["sha256"], str) and isinstance(m["size"], int)
    except DomainError as error:
        raise Problem(MANIFEST, error.code, error.message) from None
    except (KeyError, TypeError, AssertionError):
        raise Problem(
            MANIFEST, "invalid_manifest", "the manifest's member list is malformed"
        ) from None
    result.tender = (body.get("tender") or {}).get("reference")
    result.retention = body.get("retention")
    return document, body, trusted


def _check_member(archive: zipfile.ZipFile, member: dict, names: list[str]) -> None:
    path = member["path"]
    if path not in names:
        raise Problem(path, "missing_member", f"{path} is listed in the manifest but missing")
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(path) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise Problem(path, "member_unreadable", f"{path} cannot be read: {error}") from None
    if size != member["size"] or digest.hexdigest() != member["sha256"]:
        raise Problem(
            path, "member_changed", f"{path} is not what the manifest signed: it was changed"
        )


def _check_contents(
    archive: zipfile.ZipFile, body: dict, document: dict, root_pem: str, result: Result
) -> None:
    root = x509.load_pem_x509_certificate(root_pem.encode())
    issuing = [x509.load_pem_x509_certificate(p.encode()) for p in document["chain"][:-1]]
    tender = body.get("tender") or {}
    by_kind: dict[str, list[str]] = {}
    for member in body["members"]:
        by_kind.setdefault(member["kind"], []).append(member["path"])
    result.checked["documents"] = len(by_kind.get("document", []))

    receipts: dict[str, dict] = {}
    for path in by_kind.get("receipt", []):
        receipt = _signed(path, lambda d: verify_receipt(d, root_pem), _json(archive, path))
        if (receipt.get("tender") or {}).get("id") != tender.get("id"):
            raise Problem(path, "other_tender", f"{path} is a receipt for another tender")
        receipts[path] = receipt
        result.checked["receipts"] += 1

    index = (
        _json(archive, "bids/index.json") if "bids/index.json" in by_kind.get("bids", []) else []
    )
    for entry in index:
        envelope, receipt_path = entry.get("envelope"), entry.get("receipt")
        receipt = receipts.get(receipt_path) if receipt_path else None
        if receipt_path and receipt is None:
            raise Problem(receipt_path, "missing_member", f"{receipt_path} is not archived")
        if receipt and (
            receipt.get("bid_id") != entry.get("bid_id")
            or receipt.get("manifest_sha256") != entry.get("manifest_sha256")
        ):
            raise Problem(receipt_path, "receipt_mismatch", "the receipt names another bid")
        if envelope:
            _check_envelope(archive, envelope, entry, root, issuing)
            result.checked["envelopes"] += 1

    for path in by_kind.get("opening_record", []):
        finding = _signed(path, lambda d: verify_record(d, root_pem), _json(archive, path))
        if not finding.ok:
            raise Problem(path, "opening_record", finding.problems[0])
        result.checked["opening_record"] += 1

    for path in by_kind.get("report", []):
        finding = verify_pdf(_read(archive, path), root_pem)
        if not finding.ok:
            check = finding.failed[0]
            raise Problem(path, f"report_{check.name}", check.reason)
        if finding.tender_reference != tender.get("reference"):
            raise Problem(path, "other_tender", f"{path} is the report of another tender")
        result.checked["report"] += 1

    _check_ledger(archive, body, root, receipts, result)


def _check_envelope(
    archive: zipfile.ZipFile,
    path: str,
    entry: dict,
    root: x509.Certificate,
    issuing: list[x509.Certificate],
) -> None:
    with tempfile.TemporaryFile() as copy:
        with archive.open(path) as stream:
            shutil.copyfileobj(stream, copy, 1024 * 1024)
        try:
            sealed = envelope_reading.inspect(copy)
        except DomainError as error:
            raise Problem(path, error.code, error.message) from None
    if sealed.manifest_sha256 != entry.get("manifest_sha256"):
        raise Problem(path, "receipt_mismatch", f"{path} is not the envelope its receipt names")
    if not (
        signed.chains_to(sealed.signer, sealed.chain, root)
        or signed.chains_to(sealed.signer, issuing, root)
    ):
        raise Problem(
            path, "untrusted_certificate", f"{path}: the bidder's certificate is not the CA's"
        )


def _check_ledger(
    archive: zipfile.ZipFile,
    body: dict,
    root: x509.Certificate,
    receipts: dict[str, dict],
    result: Result,
) -> None:
    path = "ledger/entries.jsonl"
    ledger = body.get("ledger") or {}
    segments = ledger.get("segments") or []
    if not segments:
        return
    try:
        entries = [json.loads(line) for line in _read(archive, path).decode().split("\n") if line]
        by_seq = {e["seq"]: e for e in entries}
    except (KeyError, TypeError, ValueError):
        raise Problem(path, "invalid_ledger", "the ledger excerpt is not JSON Lines") from None
    expected = [seq for first, last in segments for seq in range(first, last + 1)]
    if [e.get("seq") for e in entries] != expected:
        raise Problem(path, "ledger_incomplete", "the excerpt is not the segments it lists")
    for first, last in segments:
        prev = by_seq[first].get("prev_hash")
        for seq in range(first, last + 1):
            entry = by_seq[seq]
            if entry.get("prev_hash") != prev:
                raise Problem(path, "broken_link", f"entry {seq} does not follow entry {seq - 1}")
            if _entry_hash(entry) != entry.get("hash"):
                raise Problem(path, "edited", f"entry {seq}'s hash does not match its content")
            prev = entry["hash"]
            result.checked["ledger_entries"] += 1
        result.checked["ledger_segments"] += 1
    for seq in ledger.get("concerning") or []:
        if seq not in by_seq:
            raise Problem(
                path, "entry_missing", f"entry {seq}, which concerns the tender, is missing"
            )
        result.checked["concerning_entries"] += 1
    for receipt_path, receipt in receipts.items():
        entry = by_seq.get(receipt.get("ledger_seq"))
        if entry is None or (entry.get("payload") or {}).get("bid_id") != receipt.get("bid_id"):
            raise Problem(
                receipt_path, "not_in_ledger", "the ledger excerpt lacks the entry of this receipt"
            )
    _check_checkpoints(archive, [last for _first, last in segments], by_seq, root, result)


def _check_checkpoints(
    archive: zipfile.ZipFile,
    ends: list[int],
    by_seq: dict[int, dict],
    root: x509.Certificate,
    result: Result,
) -> None:
    path = "ledger/checkpoints.json"
    try:
        document = _json(archive, path)
        issuing = x509.load_pem_x509_certificate(document["chain"][0].encode())
        signed_at = {c["seq"]: c for c in document["checkpoints"]}
    except Problem:
        raise
    except (KeyError, IndexError, TypeError, ValueError):
        raise Problem(path, "invalid_checkpoints", "the checkpoints are malformed") from None
    for seq in ends:
        checkpoint = signed_at.get(seq)
        if checkpoint is None:
            raise Problem(path, "unanchored", f"no signed checkpoint ends the segment at {seq}")
        try:
            cert = x509.load_pem_x509_certificate(checkpoint["certificate"].encode())
            issuing.verify_directly_issued_by(root)
            cert.verify_directly_issued_by(issuing)
        except (KeyError, ValueError, TypeError, InvalidSignature):
            raise Problem(
                path, "untrusted_certificate", f"checkpoint at {seq}: not the platform's"
            ) from None
        statement = {
            "at": checkpoint.get("at"),
            "format": CHECKPOINT_FORMAT,
            "hash": checkpoint.get("hash"),
            "seq": seq,
        }
        try:
            signature = base64.b64decode(checkpoint["signature"], validate=True)
            cert.public_key().verify(signature, canonical(statement))
        except (KeyError, ValueError, TypeError, InvalidSignature, binascii.Error):
            raise Problem(
                path, "bad_signature", f"checkpoint at {seq}: its signature does not verify"
            ) from None
        if by_seq[seq].get("hash") != checkpoint["hash"]:
            raise Problem(
                path, "chain_rewritten", f"entry {seq} is not the one signed at its checkpoint"
            )
        result.checked["checkpoints"] += 1


def _entry_hash(entry: dict) -> str:
    envelope = {k: entry.get(k) for k in ("seq", "at", "actor", "type", "payload")}
    data = str(entry.get("prev_hash")).encode() + canonical(envelope)
    return hashlib.sha256(data).hexdigest()


def _signed(path: str, check: Any, document: object) -> Any:
    try:
        return check(document)
    except DomainError as error:
        raise Problem(path, error.code, error.message) from None


def _read(archive: zipfile.ZipFile, path: str) -> bytes:
    try:
        return archive.read(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise Problem(path, "member_unreadable", f"{path} cannot be read: {error}") from None


def _json(archive: zipfile.ZipFile, path: str) -> Any:
    try:
        return json.loads(_read(archive, path))
    except ValueError:
        raise Problem(path, "invalid_json", f"{path} is not JSON") from None
