"""Signed checkpoints of the ledger head (DESIGN.md §6).

A checkpoint is the platform's Ed25519 signature (its CA-issued platform certificate) over

    canonical JSON {"format": "bidhall-checkpoint/1", "seq": n, "hash": <entry n's hash>,
                    "at": "YYYY-MM-DDTHH:MM:SS.ffffffZ"}

It is written at every key moment (in the same transaction as the key event, right after the
ledger appended it), and periodically by the tick when the chain has grown. ``verify`` checks
each checkpoint's signature and certificate and that the chain still holds the signed hash at
its position: an edited and fully recomputed chain passes the hash-chain walk but not this.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from audit.ledger.chain import canonical_json, format_at, head
from audit.ledger.models import LedgerCheckpoint
from bidhall import clock, config
from bidhall.db import db
from bidhall.events import Event

FORMAT = "bidhall-checkpoint/1"
EXPORT_FORMAT = "bidhall-checkpoints/1"
# the moments after which the chain head is signed at once
KEY_MOMENTS = frozenset(
    {
        "tender.published",
        "tender.deadline_reached",
        "tender.terminated",
        "bid.decrypted",
        "bid.revoked",
        "tender.failed",
        "opening.record_published",
    }
)


def statement(seq: int, hash_: str, at: datetime) -> bytes:
    return canonical_json(
        {"format": FORMAT, "seq": seq, "hash": hash_, "at": format_at(at)}
    ).encode("utf-8")


def sign_head(session: Session, reason: str) -> LedgerCheckpoint | None:
    """Sign the chain head as it stands in this transaction (None on an empty chain)."""
    from audit.ledger.chain import flush_pending
    from bidhall.crypto import services as pki

    key, cert, _chain = pki.platform_signer()  # may register the platform certificate (an event)
    flush_pending(session)  # the head signed must hold every event of this unit so far
    seq, hash_ = head(session)
    if seq == 0:
        return None
    at = clock.now()
    checkpoint = LedgerCheckpoint(
        seq=seq,
        hash=hash_,
        at=at,
        reason=reason[:80],
        signature=base64.b64encode(key.sign(statement(seq, hash_, at))).decode("ascii"),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def on_event(session: Session, event: Event) -> None:
    """Subscriber: after a key moment's event is appended, sign the head in the same unit."""
    if event.type not in KEY_MOMENTS:
        return
    flags = db.unit_local("audit.checkpoint", dict)
    if flags.get("scheduled"):
        return
    flags["scheduled"] = True
    # registered after the ledger's own hook (it was set at the unit's first emit), so the head
    # signed here already contains this event
    db.before_commit(lambda: sign_head(session, f"key_moment:{event.type}"))


def tick(now: datetime) -> list[dict]:
    """Periodic checkpoint: when the chain grew since the last one and it is old enough."""
    every = timedelta(minutes=config.current().get("CHECKPOINT_MINUTES", 60))
    last = db.session.scalar(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq.desc(), LedgerCheckpoint.id.desc())
    )
    seq, _hash = head(db.session)
    db.session.rollback()
    if seq == 0 or (last is not None and (last.seq >= seq or clock.as_utc(last.at) > now - every)):
        return []
    with db.transaction() as session:
        checkpoint = sign_head(session, "periodic")
    return [{"checkpoint_seq": checkpoint.seq}] if checkpoint else []


@dataclass(frozen=True)
class CheckpointFinding:
    checkpoint_id: int
    seq: int
    problem: str  # bad_signature | untrusted_certificate | chain_rewritten | entry_missing

    def describe(self) -> str:
        return {
            "bad_signature": f"checkpoint {self.checkpoint_id} (entry {self.seq}) has a signature "
            "that does not verify: it was forged or edited",
            "untrusted_certificate": f"checkpoint {self.checkpoint_id} is signed by a certificate "
            "this platform's CA did not issue",
            "chain_rewritten": f"entry {self.seq} no longer has the hash the platform signed at "
            f"checkpoint {self.checkpoint_id}: the chain was rewritten",
            "entry_missing": f"entry {self.seq}, signed at checkpoint {self.checkpoint_id}, is "
            "missing",
        }[self.problem]


_SELECT = (
    "SELECT id, seq, hash, at, reason, signature, certificate_pem FROM ledger_checkpoints "
    "ORDER BY seq, id"
)


def _utc(at: datetime | str) -> datetime:
    return clock.as_utc(at if isinstance(at, datetime) else datetime.fromisoformat(at))


def _at_text(at: datetime | str) -> str:
    """``at`` as it is signed; a stored value that is not a time at all as it is, for the
    verifier to reject."""
    try:
        return format_at(_utc(at))
    except (TypeError, ValueError):
        return str(at)


def verify(session: Session) -> tuple[int, CheckpointFinding | None]:
    """Check every checkpoint; returns (how many were checked, the first problem or None)."""
    from bidhall.crypto import services as pki

    issuing = pki.authority().issuing_cert
    checked = 0
    with session.get_bind().connect() as connection:
        hashes = dict(
            connection.execute(
                text(
                    "SELECT c.seq, e.hash FROM ledger_checkpoints c "
                    "LEFT JOIN ledger_entries e ON e.seq = c.seq"
                )
            ).all()
        )
        rows = connection.execute(text(_SELECT)).all()
    for id_, seq, hash_, at, _reason, signature, pem in rows:
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
            cert.verify_directly_issued_by(issuing)
        except (ValueError, TypeError, InvalidSignature):
            return checked, CheckpointFinding(id_, seq, "untrusted_certificate")
        try:
            cert.public_key().verify(
                base64.b64decode(signature, validate=True), statement(seq, hash_, _utc(at))
            )
        except (InvalidSignature, binascii.Error, ValueError, TypeError):
            # a time no writer stores (not a time at all) cannot be what was signed either
            return checked, CheckpointFinding(id_, seq, "bad_signature")
        if hashes.get(seq) is None:
            return checked, CheckpointFinding(id_, seq, "entry_missing")
        if hashes[seq] != hash_:
            return checked, CheckpointFinding(id_, seq, "chain_rewritten")
        checked += 1
    return checked, None


def export(session: Session) -> dict:
    """Every committed checkpoint with its signing certificate, and the CA chain (issuing CA,
    then root) that issued those certificates: with the ledger export, what an outside verifier
    needs besides a root certificate it trusts (docs/ledger.md)."""
    from bidhall.crypto import services as pki

    with session.get_bind().connect() as connection:
        rows = connection.execute(text(_SELECT)).all()
    return {
        "format": EXPORT_FORMAT,
        "chain": pki.chain_pems(),
        "checkpoints": [
            {
                "id": id_,
                "seq": seq,
                "hash": hash_,
                "at": _at_text(at),
                "reason": reason,
                "signature": signature,
                "certificate": pem,
            }
            for id_, seq, hash_, at, reason, signature, pem in rows
        ],
    }
