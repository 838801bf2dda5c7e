"""Sealed-bid use cases, one unit each: resumable uploads, the envelope's checks at completion
(DOMAIN.md §2 step 6; DESIGN.md §4), withdrawal and the black list.

The platform never sees a plaintext before the opening: an upload is an envelope whose keys are
wrapped to the bidder and split among custodians; the server checks its structure, hashes and
signature only."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock, storage
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.canonical import canonical
from bidhall.crypto import services
from bidhall.crypto import validation as pki
from bidhall.db import db
from bidhall.envelope import format as envelope_format
from bidhall.envelope import keys as envelope_keys
from bidhall.envelope import reading as envelope
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from trading.bids import rules
from trading.bids.models import Bid, BidState, Upload
from trading.bids.queries import load_tender
from trading.bids.receipts import sign_receipt
from trading.credit import services as credit
from trading.tenders.models import Tender

MAX_BID_BYTES = 2 * 1024 * 1024 * 1024  # 2 GiB per sealed bid


@dataclass(frozen=True)
class Client:
    """Where a request came from, as the web edge saw it: the client's address (after the
    trusted proxies, ``TRUSTED_PROXIES``) and its User-Agent. Recorded with the upload and the
    bid for the origin screens (DOMAIN.md §5 bid.same_origin, Regs Art 40); shown to nobody
    (Law Art 22): only the ledger and the audit read it, at the opening."""

    address: str | None = None
    user_agent: str | None = None

    def cut(self) -> Client:
        return Client(
            (self.address or "")[:64] or None, (self.user_agent or "").strip()[:400] or None
        )


# --- uploads ------------------------------------------------------------------------------------


def start_upload(
    actor: User, tender_id: int, lot: int, size: int, client: Client | None = None
) -> Upload:
    require_role(actor, Role.BIDDER)
    if not isinstance(size, int) or size <= 0 or size > MAX_BID_BYTES:
        raise InvalidInput(
            f"size must be 1 to {MAX_BID_BYTES} bytes", code="invalid_size", field="size"
        )
    with db.transaction() as session:
        tender = load_tender(session, tender_id)
        rules.check_submission_open(tender.state, tender.bid_deadline, clock.now())
        if lot not in {each.number for each in tender.lots}:
            raise InvalidInput(
                f"tender {tender.reference} has no lot {lot}", code="invalid_lot", field="lot"
            )
        _check_credit(session, actor.organisation_id)
        from trading.tenders.queries import is_holder

        if not is_holder(session, tender.id, actor.organisation_id):
            raise Forbidden(
                "download the tender documents first: only holders of the documents may bid",
                code="not_a_holder",
            )
        upload_id = secrets.token_hex(16)
        client = (client or Client()).cut()
        upload = Upload(
            id=upload_id,
            tender_id=tender.id,
            lot_number=lot,
            user_id=actor.id,
            organisation_id=actor.organisation_id,
            size=size,
            storage_key=f"uploads/{upload_id}.part",
            created_at=clock.now(),
            client_ip=client.address,
            user_agent=client.user_agent,
        )
        session.add(upload)
        emit("bid.upload_started", actor, tender_id=tender.id, upload_id=upload_id, size=size)
    return upload


def append_upload(actor: User, upload_id: str, offset: int, stream: BinaryIO) -> Upload:
    """Append one piece of a resumable upload at ``offset`` (its current size). A dropped
    connection keeps what was written; the client asks the offset and resumes from there."""
    upload = _own_upload(actor, upload_id)
    if upload.completed_at is not None:
        raise Conflict("this upload is complete", code="upload_complete")
    tender = db.session.get(Tender, upload.tender_id)
    rules.check_submission_open(tender.state, tender.bid_deadline, clock.now())
    # a slow or stalled client must not hold a database connection while its body streams in
    db.release()
    received = storage.get().append(upload.storage_key, stream, offset, upload.size)
    with db.transaction() as session:
        upload = session.get(Upload, upload_id, populate_existing=True)
        upload.received = received
    return upload


@dataclass(frozen=True)
class UploadStatus:
    id: str
    tender_id: int
    lot_number: int
    size: int
    received: int  # the offset to resume from
    completed_at: datetime | None
    bid_id: int | None


def upload_status(actor: User, upload_id: str) -> UploadStatus:
    """Where an upload stands. The stored file is the truth: a piece cut off mid-way leaves
    bytes on disk that the database has not counted yet, and the client resumes after them."""
    upload = _own_upload(actor, upload_id)
    received = upload.received if upload.completed_at else storage.get().size(upload.storage_key)
    return UploadStatus(
        upload.id,
        upload.tender_id,
        upload.lot_number,
        upload.size,
        received,
        upload.completed_at,
        upload.bid_id,
    )


def complete_upload(actor: User, upload_id: str, client: Client | None = None) -> Bid:
    """Check the whole envelope and, if it is intact and the bidder's, make it the bidder's bid
    for its lot (superseding an earlier one) and answer with a signed receipt. Where the upload
    came from (``client``, and the sealing tool's traits) is recorded with the bid for the
    origin screens, and shown to nobody."""
    client = (client or Client()).cut()
    upload = _own_upload(actor, upload_id)
    if upload.completed_at is not None:
        raise Conflict(
            "this upload is complete already", code="upload_complete", bid_id=upload.bid_id
        )
    store = storage.get()
    if store.size(upload.storage_key) != upload.size:
        raise RuleViolation(
            f"the upload has {store.size(upload.storage_key)} of its {upload.size} bytes: "
            "resume it before completing",
            code="upload_incomplete",
            received=store.size(upload.storage_key),
        )
    # reading and hashing a large file must not hold a database connection
    db.release()
    # one pass: every section's ciphertext against the signed manifest; the signature covers
    # the header through the manifest, so an intact envelope needs no whole-file hash besides
    with store.open(upload.storage_key) as stream:
        sealed = envelope.inspect(stream)
    tool = sealing_tool(sealed)
    tool_fingerprint = hashlib.sha256(canonical(tool)).hexdigest()
    now = clock.now()
    with db.transaction() as session:
        tender = load_tender(session, upload.tender_id, for_update=True)
        rules.check_submission_open(tender.state, tender.bid_deadline, now)
        _check_credit(session, actor.organisation_id)
        _check_envelope(tender, upload, sealed, actor, now)
        previous = session.scalar(
            select(Bid).where(
                Bid.tender_id == tender.id,
                Bid.lot_number == upload.lot_number,
                Bid.organisation_id == actor.organisation_id,
                Bid.state == BidState.SEALED,
            )
        )
        bid = Bid(
            tender_id=tender.id,
            lot_number=upload.lot_number,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            state=BidState.SEALED,
            manifest_sha256=sealed.manifest_sha256,
            size=upload.size,
            storage_key=f"tenders/{tender.id}/bids/{upload.id}.seal",
            signer_fingerprint=envelope_keys.fingerprint(sealed.signer),
            commitment_sha256=hashlib.sha256(sealed.header["commitment"].encode()).hexdigest(),
            received_at=now,
            supersedes_id=previous.id if previous else None,
            client_ip=client.address or upload.client_ip,
            user_agent=client.user_agent or upload.user_agent,
            sealing_tool=tool_fingerprint,
        )
        if previous is not None:
            previous.state = BidState.SUPERSEDED
        session.add(bid)
        session.flush()
        upload = session.get(Upload, upload.id, populate_existing=True)
        upload.completed_at = now
        upload.bid_id = bid.id
        if previous is not None:
            emit("bid.superseded", actor, tender_id=tender.id, bid_id=previous.id, by_bid_id=bid.id)
        event = emit(
            "bid.sealed",
            actor,
            tender_id=tender.id,
            bid_id=bid.id,
            lot=bid.lot_number,
            organisation_id=bid.organisation_id,
            manifest_sha256=bid.manifest_sha256,
            size=bid.size,
            # for the origin screens at the opening (the ledger is the platform's own record:
            # nothing here is shown to anyone before the opening, Law Art 22)
            origin={
                "addresses": sorted({a for a in (upload.client_ip, client.address) if a}),
                "user_agent": bid.user_agent,
                "sealing_tool": tool_fingerprint,
                "sealing_tool_traits": tool,
            },
        )
        # the receipt names the ledger position, known once the ledger appended the unit's
        # events (just before the commit): sign it then, inside the same transaction
        db.before_commit(lambda: sign_receipt(session, bid, tender, event.seq))
        # the file moves under its final key only once everything above was accepted; if the
        # unit still rolls back it moves back, so the upload can be completed again (a crash
        # right here leaves an orphan file, never a bid without its file)
        store.promote(upload.storage_key, bid.storage_key)
        upload_key, bid_key = upload.storage_key, bid.storage_key
        db.after_rollback(lambda: store.promote(bid_key, upload_key))
    return bid


def sealing_tool(sealed: envelope.Envelope) -> dict:
    """What an envelope tells of the software that sealed it. bidhall-seal/1 names no tool, so
    these are the traits a tool chooses and a bidder does not: the format and suite, the chunk
    size, the header's and the trailer's fields (a tool that adds its own), the shape of the
    sealing time (digits as 9: precision and zone) and whether the CA chain is embedded; and a
    ``tool`` field, should a tool write one. Their hash is the sealing tool's fingerprint."""
    header, trailer = sealed.header, sealed.trailer
    traits = {
        "format": header.get("format"),
        "suite": header.get("suite"),
        "chunk_size": header.get("chunk_size"),
        "header_fields": sorted(header),
        "trailer_fields": sorted(trailer),
        "created_at_form": re.sub(r"[0-9]", "9", str(header.get("created_at", "")))[:40],
        "chain_length": len(trailer.get("chain") or []),
    }
    if isinstance(header.get("tool"), str):
        traits["tool"] = header["tool"][:200]
    return traits


def _check_envelope(
    tender: Tender, upload: Upload, sealed: envelope.Envelope, actor: User, now: datetime
) -> None:
    if (
        sealed.tender_id != tender.id
        or sealed.header["tender"].get("reference") != tender.reference
    ):
        raise RuleViolation(
            f"this envelope was sealed for another tender (id "
            f"{sealed.tender_id}), not {tender.reference}",
            code="wrong_tender",
        )
    if sealed.lot != upload.lot_number:
        raise RuleViolation(
            f"the envelope is sealed for lot {sealed.lot}, the upload declared "
            f"lot {upload.lot_number}",
            code="wrong_lot",
        )
    record = pki.validate(sealed.signer, "signing", now)
    if record.user_id is None or record.organisation_id != actor.organisation_id:
        raise RuleViolation(
            "the envelope is signed with a certificate of another bidder", code="wrong_signer"
        )
    expected = [c.certificate_fingerprint for c in tender.custodians]
    threshold = tender.custodian_threshold
    for section in envelope_format.SECTIONS:
        custodians = sealed.section(section)["custodians"]
        if (
            sealed.custodian_fingerprints(section) != expected
            or custodians["threshold"] != threshold
            or [share["x"] for share in custodians["shares"]] != [c.x for c in tender.custodians]
        ):
            raise RuleViolation(
                "the envelope's custodian shares are not wrapped to this "
                "tender's opening custodians: seal it with the tender's current "
                "sealing descriptor",
                code="wrong_custodians",
            )
    holder = sealed.section("summary")["holder"]["recipient"]
    encryption = services.active_certificate(actor.id, "encryption", now)
    if (
        encryption is None
        or holder != encryption.fingerprint_sha256
        or sealed.section("documents")["holder"]["recipient"] != holder
    ):
        raise RuleViolation(
            "the envelope's keys are not wrapped to your own encryption "
            "certificate: you could not decrypt it at the opening",
            code="wrong_holder",
        )
    if sealed.header.get("commitment") != rules.commitment_text(tender.reference):
        raise RuleViolation(
            "the envelope does not carry the tender's credit commitment (信用承诺)",
            code="commitment_missing",
        )


# --- withdrawal ---------------------------------------------------------------------------------


def withdraw_bid(actor: User, bid_id: int) -> Bid:
    with db.transaction() as session:
        bid = session.get(Bid, bid_id, populate_existing=True)
        if (
            bid is None
            or bid.organisation_id != getattr(actor, "organisation_id", None)
            or actor.role != Role.BIDDER
        ):
            raise NotFound(f"no bid {bid_id} of yours", code="bid_not_found")
        tender = load_tender(session, bid.tender_id, for_update=True)
        now = clock.now()
        rules.check_submission_open(tender.state, tender.bid_deadline, now)
        if bid.state != BidState.SEALED:
            raise Conflict(f"this bid is {bid.state.value}", code="invalid_state")
        bid.state = BidState.WITHDRAWN
        bid.withdrawn_at = now
        emit("bid.withdrawn", actor, tender_id=tender.id, bid_id=bid.id)
    return bid


# --- credit (black list) ------------------------------------------------------------------------


def _check_credit(session: Session, organisation_id: int) -> None:
    """A bidder on the black list (the supervisors' credit decisions) may not bid."""
    credit.check_may_bid(session, organisation_id, clock.now())


def _own_upload(actor: User, upload_id: str) -> Upload:
    require_role(actor, Role.BIDDER)
    upload = db.session.get(Upload, upload_id) if isinstance(upload_id, str) else None
    if upload is None or upload.user_id != actor.id:
        raise NotFound("no such upload of yours", code="upload_not_found")
    return upload
