"""The signed opening record: built at the closing, served as signed, and verified with nothing but
itself."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bidhall import canonical, inputs, storage
from bidhall.crypto import signed
from bidhall.db import db
from bidhall.envelope import format as envelope_format
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import unsealing as envelope
from bidhall.errors import DomainError, NotFound
from trading.bids import rules as bid_rules
from trading.opening.hall import bids_in_order, find_opening, objection_view, objections_of
from trading.opening.models import Opening
from trading.opening.rules import OPENED, read_items
from trading.tenders.models import Tender

RECORD_FORMAT = "bidhall-opening-record/1"


def record(tender_id: int) -> dict:
    """The signed opening record, public once the hall is closed."""
    return json.loads(record_bytes(tender_id))


def record_bytes(tender_id: int) -> bytes:
    """The record exactly as signed and hashed: its SHA-256 is the hall's ``record_sha256``."""
    opening = find_opening(db.session, inputs.identifier(tender_id, "tender_id"))
    if opening is None or opening.record is None:
        raise NotFound(
            "this tender has no published opening record (yet)", code="record_not_published"
        )
    return opening.record.encode()


# --- the record ---------------------------------------------------------------------------------


def sign_record(session: Session, tender: Tender, opening: Opening, now: datetime) -> None:
    """Sign the record at the closing and keep it as canonical bytes with their SHA-256."""
    document = signed.sign(record_body(session, tender, opening, now), "record")
    text = canonical.canonical(document).decode()
    opening.record = text
    opening.record_sha256 = hashlib.sha256(text.encode()).hexdigest()


def record_body(session: Session, tender: Tender, opening: Opening, now: datetime) -> dict:
    bids = []
    for number, bid in bids_in_order(session, opening):
        entry: dict[str, Any] = {
            "bid_no": number,
            "lot": bid.lot_number,
            "bidder": {
                "name": bid.organisation.name,
                "credit_code": bid.organisation.credit_code,
            },
            "received_at": bid.received_at.isoformat(),
            "receipt_ledger_seq": bid.ledger_seq,
            "manifest_sha256": bid.manifest_sha256,
            "outcome": bid.opening_outcome,
            "decrypted_at": bid.decrypted_at.isoformat() if bid.decrypted_at else None,
            "excuse_reason": bid.excuse_reason,
        }
        if bid.opening_outcome in OPENED:
            with storage.get().open(bid.storage_key) as stream:
                sealed = envelope_reading.inspect(stream, hash_sections=False)
                entry["envelope"] = envelope.summary_excerpt(stream, sealed)
            entry["summary_key"] = base64.b64encode(bytes.fromhex(bid.summary_key)).decode()
            entry["items"] = read_items(bid.summary)
            problems = bid_rules.summary_problems(
                bid.summary, [lot.number for lot in tender.lots], bid.lot_number
            )
            if problems:  # as announced at the reading out (the verifier does not judge them)
                entry["problems"] = problems
        bids.append(entry)
    return {
        "format": RECORD_FORMAT,
        "suite": envelope_format.SUITE,
        "tender": {
            "id": tender.id,
            "reference": tender.reference,
            "title": tender.title,
            "tenderer": tender.tenderer.name,
            "agency": tender.agency.name if tender.agency else None,
            "bid_deadline": tender.bid_deadline.isoformat(),
        },
        "opened_at": opening.started_at.isoformat(),
        "decrypt_deadline": opening.decrypt_deadline.isoformat(),
        "closed_at": now.isoformat(),
        "read_order": "lot, then order of receipt",
        "bids": bids,
        "objections": [objection_view(o) for o in objections_of(session, tender.id)],
        # the hall's messages up to the closing (the closing message itself follows the record)
        "hall_last_seq": opening.last_seq,
    }


@dataclass(frozen=True)
class Finding:
    ok: bool
    problems: list[str]
    bids: int
    opened: int


def verify_record(document: object, root_pem: str | None = None) -> Finding:
    """Re-check a published opening record with nothing but the record: the platform's
    signature and chain, then for every opened bid its envelope excerpt (header bound to the
    bidder's signed manifest, the summary ciphertext's hash) decrypted with the published key,
    and each announced item against the decrypted summary."""
    body = signed.verify(document, "record", RECORD_FORMAT, "opening record", root_pem)
    from cryptography import x509

    platform_chain = [x509.load_pem_x509_certificate(p.encode()) for p in document["chain"]]
    root = x509.load_pem_x509_certificate(root_pem.encode()) if root_pem else platform_chain[-1]
    issuing = platform_chain[:-1]  # the CA that issued the platform's and the bidders' certificates
    problems: list[str] = []
    opened = 0
    for entry in body.get("bids", []):
        label = f"bid No. {entry.get('bid_no')} ({(entry.get('bidder') or {}).get('name')})"
        if entry.get("outcome") not in OPENED:
            continue
        opened += 1
        try:
            key = base64.b64decode(entry["summary_key"], validate=True)
            summary, sealed = envelope.open_summary_excerpt(entry["envelope"], key)
        except (KeyError, TypeError, ValueError, binascii.Error):
            problems.append(f"{label}: the published key or envelope is missing or malformed")
            continue
        except DomainError as error:
            problems.append(f"{label}: {error.message}")
            continue
        if not (
            signed.chains_to(sealed.signer, sealed.chain, root)
            or signed.chains_to(sealed.signer, issuing, root)
        ):
            problems.append(f"{label}: the bidder's certificate was not issued by the platform CA")
        if sealed.manifest_sha256 != entry.get("manifest_sha256"):
            problems.append(f"{label}: the envelope is not the one whose receipt was issued")
        if sealed.tender_id != body["tender"]["id"] or sealed.lot != entry.get("lot"):
            problems.append(f"{label}: the envelope was sealed for another tender or lot")
        if read_items(summary) != entry.get("items"):
            problems.append(f"{label}: the announced items differ from the sealed summary")
    return Finding(
        ok=not problems, problems=problems, bids=len(body.get("bids", [])), opened=opened
    )
