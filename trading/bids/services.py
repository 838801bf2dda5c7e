"""Sealed-bid use cases: the sealing descriptor, resumable uploads, validation of the envelope,
signed receipts, replacement and withdrawal, the black list, and the guard that nothing is
decrypted before the opening (DOMAIN.md §2 step 6; DESIGN.md §4).

The platform never sees a plaintext before the opening: an upload is an envelope whose keys are
wrapped to the bidder and split among custodians; the server checks its structure, hashes and
signature only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock, envelope, storage
from bidhall.accounts.models import Organisation, Role, User
from bidhall.crypto import services as pki
from bidhall.crypto import signed
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from trading.bids import rules
from trading.bids.models import Bid, BidState, Blacklisting, Upload
from trading.opening.models import Opening
from trading.tenders.models import Participation, Tender, TenderCustodian, TenderState

logger = logging.getLogger(__name__)

MAX_BID_BYTES = 2 * 1024 * 1024 * 1024  # 2 GiB per sealed bid
RECEIPT_FORMAT = "bidhall-receipt/1"
DESCRIPTOR_FORMAT = "bidhall-sealing/1"


# --- custodians, fixed at publication -----------------------------------------------------------


def assign_custodians(session: Session, tender: Tender, publisher: User) -> None:
    """The opening custodians: the publishing manager, the supervisor who accepted the filing,
    and the platform. Each must hold a valid encryption certificate now."""
    from trading.tenders.models import FilingRecord

    filing = session.scalar(
        select(FilingRecord)
        .where(FilingRecord.tender_id == tender.id, FilingRecord.decision == "accepted")
        .order_by(FilingRecord.id.desc())
    )
    supervisor = session.get(User, filing.decided_by_id) if filing else None
    now = clock.now()
    members: list[tuple[str, User | None]] = [("manager", publisher)]
    if supervisor is not None:
        members.append(("supervisor", supervisor))
    members.append(("platform", None))
    tender.custodians.clear()
    session.flush()
    for x, (role, user) in enumerate(members, start=1):
        if user is None:
            cert = pki.platform_custodian_certificate()
        else:
            record = pki.active_certificate(user.id, "encryption", now)
            if record is None:
                raise RuleViolation(
                    f"the opening custodian {user.display_name} ({role}) has no valid encryption "
                    "certificate: enroll one first (bidhall keys enroll)",
                    code="custodian_without_certificate",
                    user_id=user.id,
                )
            cert = envelope_cert(record.pem)
        tender.custodians.append(
            TenderCustodian(
                x=x,
                user_id=user.id if user else None,
                role=role,
                certificate_fingerprint=envelope.fingerprint(cert),
                certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            )
        )
    if len(tender.custodians) < tender.custodian_threshold:
        raise RuleViolation("fewer custodians than the threshold", code="too_few_custodians")


def envelope_cert(pem: str):  # noqa: ANN201 - x509.Certificate
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem.encode())


def sealing_descriptor(tender_id: int) -> dict:
    """What a bidder's offline sealing tool needs: the tender, its custodians' encryption
    certificates, the threshold, the summary schema and the credit commitment to sign."""
    tender = db.session.get(Tender, tender_id)
    if tender is None or tender.state not in (TenderState.PUBLISHED, TenderState.SUSPENDED):
        raise NotFound(f"no tender {tender_id} open for bids", code="tender_not_found")
    return {
        "format": DESCRIPTOR_FORMAT,
        "suite": envelope.SUITE,
        "tender": {
            "id": tender.id,
            "reference": tender.reference,
            "title": tender.title,
            "bid_deadline": tender.bid_deadline.isoformat(),
            "lots": [lot.number for lot in tender.lots],
        },
        "threshold": tender.custodian_threshold,
        "chunk_size": envelope.DEFAULT_CHUNK,
        "custodians": [
            {
                "x": c.x,
                "role": c.role,
                "fingerprint": c.certificate_fingerprint,
                "certificate": c.certificate_pem,
            }
            for c in tender.custodians
        ],
        "summary_schema": rules.summary_schema([lot.number for lot in tender.lots]),
        "commitment": rules.commitment_text(tender.reference),
        "ca_chain": pki.chain_pems(),
    }


# --- uploads ------------------------------------------------------------------------------------


def start_upload(actor: User, tender_id: int, lot: int, size: int) -> Upload:
    _require_bidder(actor)
    if not isinstance(size, int) or size <= 0 or size > MAX_BID_BYTES:
        raise InvalidInput(
            f"size must be 1 to {MAX_BID_BYTES} bytes", code="invalid_size", field="size"
        )
    with db.transaction() as session:
        tender = _tender(session, tender_id)
        rules.check_submission_open(tender.state, tender.bid_deadline, clock.now())
        if lot not in {each.number for each in tender.lots}:
            raise InvalidInput(
                f"tender {tender.reference} has no lot {lot}", code="invalid_lot", field="lot"
            )
        _check_credit(session, actor.organisation_id)
        from trading.tenders.services import is_holder

        if not is_holder(session, tender.id, actor.organisation_id):
            raise Forbidden(
                "download the tender documents first: only holders of the documents may bid",
                code="not_a_holder",
            )
        upload_id = secrets.token_hex(16)
        upload = Upload(
            id=upload_id,
            tender_id=tender.id,
            lot_number=lot,
            user_id=actor.id,
            organisation_id=actor.organisation_id,
            size=size,
            storage_key=f"uploads/{upload_id}.part",
            created_at=clock.now(),
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


def complete_upload(actor: User, upload_id: str) -> Bid:
    """Check the whole envelope and, if it is intact and the bidder's, make it the bidder's bid
    for its lot (superseding an earlier one) and answer with a signed receipt."""
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
    now = clock.now()
    with db.transaction() as session:
        tender = _tender(session, upload.tender_id, for_update=True)
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
            signer_fingerprint=envelope.fingerprint(sealed.signer),
            commitment_sha256=hashlib.sha256(sealed.header["commitment"].encode()).hexdigest(),
            received_at=now,
            supersedes_id=previous.id if previous else None,
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
        )
        # the receipt names the ledger position, known once the ledger appended the unit's
        # events (just before the commit): sign it then, inside the same transaction
        db.before_commit(lambda: _sign_receipt(session, bid, tender, event.seq))
        # the file moves under its final key only once everything above was accepted; if the
        # unit still rolls back it moves back, so the upload can be completed again (a crash
        # right here leaves an orphan file, never a bid without its file)
        store.promote(upload.storage_key, bid.storage_key)
        upload_key, bid_key = upload.storage_key, bid.storage_key
        db.after_rollback(lambda: store.promote(bid_key, upload_key))
    return bid


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
    for section in envelope.SECTIONS:
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
    encryption = pki.active_certificate(actor.id, "encryption", now)
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


def _sign_receipt(session: Session, bid: Bid, tender: Tender, seq: int | None) -> None:
    body = {
        "format": RECEIPT_FORMAT,
        "tender": {"id": tender.id, "reference": tender.reference},
        "bid_id": bid.id,
        "lot": bid.lot_number,
        "bidder": {"organisation_id": bid.organisation_id, "user_id": bid.user_id},
        "manifest_sha256": bid.manifest_sha256,
        "size": bid.size,
        "received_at": bid.received_at.isoformat(),
        "ledger_seq": seq,
        "supersedes_bid_id": bid.supersedes_id,
    }
    bid.receipt = json.dumps(signed.sign(body, "receipt"), sort_keys=True, ensure_ascii=False)
    bid.ledger_seq = seq
    session.flush()


def verify_receipt(document: dict, root_pem: str | None = None) -> dict:
    """Check a receipt offline: the platform's signature, and its certificate chain up to the
    given root (or the embedded one). Returns the receipt body."""
    return signed.verify(document, "receipt", RECEIPT_FORMAT, "receipt", root_pem)


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
        tender = _tender(session, bid.tender_id, for_update=True)
        now = clock.now()
        rules.check_submission_open(tender.state, tender.bid_deadline, now)
        if bid.state != BidState.SEALED:
            raise Conflict(f"this bid is {bid.state.value}", code="invalid_state")
        bid.state = BidState.WITHDRAWN
        bid.withdrawn_at = now
        emit("bid.withdrawn", actor, tender_id=tender.id, bid_id=bid.id)
    return bid


# --- the guard before the opening ---------------------------------------------------------------


def read_bid_summary(actor: User, bid_id: int) -> dict:
    """A decrypted summary: to the bidder itself after the opening time (before it the attempt
    is refused and recorded); to the tender's managers and supervisors from the reading out,
    when the summary is announced with its bidder's name. Before that a bid is, to them, no
    bid at all (an attempt before the opening time is still recorded): a refusal that told a
    bid of the tender from no bid would let them count the bids by trying ids (Law Art 22)."""
    bid = db.session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(f"no bid {bid_id}", code="bid_not_found")
    tender = db.session.get(Tender, bid.tender_id)
    from trading.tenders.services import can_manage

    own = (
        getattr(actor, "organisation_id", None) == bid.organisation_id
        and getattr(actor, "role", None) == Role.BIDDER
    )
    staff = can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR
    if not (own or staff):
        raise NotFound(f"no bid {bid_id}", code="bid_not_found")
    if not own and not disclosure(tender).names:
        try:
            guard_opening(actor, tender, bid.id, "summary")
        except Forbidden:
            pass
        raise NotFound(f"no bid {bid_id}", code="bid_not_found")
    guard_opening(actor, tender, bid.id, "summary")
    if bid.summary is None:
        raise Conflict("this bid has not been decrypted yet", code="not_decrypted")
    return bid.summary


def guard_opening(actor: User, tender: Tender, bid_id: int | None, what: str) -> None:
    """Refuse any key, share or plaintext request before the opening time, and record the
    attempt (``crypto.early_access_refused``) in a unit of its own, so that the refusal does
    not roll the record back."""
    now = clock.now()
    try:
        rules.check_opening_reached(tender.bid_deadline, now)
    except Forbidden:
        with db.transaction():
            emit(
                "crypto.early_access_refused",
                actor,
                tender_id=tender.id,
                bid_id=bid_id,
                requested=what,
                opening=tender.bid_deadline.isoformat(),
            )
        logger.warning("early %s request (tender %s, bid %s) refused", what, tender.id, bid_id)
        raise


# --- credit (black list) ------------------------------------------------------------------------


def blacklist(actor: User, organisation_id: int, reason: str, until: datetime) -> Blacklisting:
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("only a supervisor or the platform may black-list")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a black-listing needs its reason", code="missing_field", field="reason")
    with db.transaction() as session:
        org = session.get(Organisation, organisation_id)
        if org is None or org.kind != "bidder":
            raise NotFound(
                f"no bidder organisation {organisation_id}", code="organisation_not_found"
            )
        now = clock.now()
        if until <= now:
            raise InvalidInput("until must be in the future", code="invalid_field", field="until")
        entry = Blacklisting(
            organisation_id=org.id, reason=reason, since=now, until=until, created_by_id=actor.id
        )
        session.add(entry)
        session.flush()
        emit("credit.blacklisted", actor, organisation_id=org.id, until=until.isoformat())
    return entry


def _check_credit(session: Session, organisation_id: int) -> None:
    now = clock.now()
    entry = session.scalar(
        select(Blacklisting)
        .where(
            Blacklisting.organisation_id == organisation_id,
            Blacklisting.lifted_at.is_(None),
            Blacklisting.since <= now,
            Blacklisting.until > now,
        )
        .order_by(Blacklisting.until.desc())
    )
    rules.check_not_blacklisted(entry.until if entry else None, entry.reason if entry else None)


# --- queries ------------------------------------------------------------------------------------


def my_bids(actor: User, tender_id: int) -> Sequence[Bid]:
    _require_bidder(actor)
    return list(
        db.session.scalars(
            select(Bid)
            .where(Bid.tender_id == tender_id, Bid.organisation_id == actor.organisation_id)
            .order_by(Bid.id)
        )
    )


def submission_count(actor: User, tender_id: int) -> Counts:
    """How many bids a tender's managers and supervisors may know of: none before the opening
    (Law Art 22), the count of sealed bids from it, never who."""
    from trading.tenders.services import can_manage, get_tender

    tender = get_tender(tender_id)
    if not (can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR):
        raise Forbidden("only the tender's managers and supervisors see submission counts")
    return counts(tender)


# --- what may be known of the participants (Law Art 22) -----------------------------------------


@dataclass(frozen=True)
class Counts:
    """How many firms hold a tender's documents and have a sealed bid in it, as far as anyone
    may know now: None until the counts are disclosed (``rules.disclosure``)."""

    tender_id: int
    opening: datetime  # the bid deadline: the counts are disclosed from it
    shown: rules.Disclosure
    holders: int | None
    sealed_bids: int | None


def disclosure(tender: Tender) -> rules.Disclosure:
    """What of this tender's participants may be shown now: its deadline and its opening
    hall's phase decide (``rules.disclosure``)."""
    return disclosures([tender])[tender.id]


def disclosures(tenders: Iterable[Tender]) -> dict[int, rules.Disclosure]:
    """``disclosure`` of several tenders with one query."""
    tenders = {tender.id: tender for tender in tenders}
    phases = dict(
        db.session.execute(
            select(Opening.tender_id, Opening.phase).where(Opening.tender_id.in_(list(tenders)))
        ).all()
    )
    now = clock.now()
    return {
        tender_id: rules.disclosure(tender.bid_deadline, now, phases.get(tender_id))
        for tender_id, tender in tenders.items()
    }


def counts(tender: Tender) -> Counts:
    """The tender's holders and sealed bids, counted only once they may be known."""
    shown = disclosure(tender)
    holders = sealed = None
    if shown.counts:
        holders = db.session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.tender_id == tender.id)
        )
        sealed = db.session.scalar(
            select(func.count())
            .select_from(Bid)
            .where(Bid.tender_id == tender.id, Bid.state == BidState.SEALED)
        )
    return Counts(tender.id, tender.bid_deadline, shown, holders, sealed)


def get_own_bid(actor: User, bid_id: int) -> Bid:
    return _own_bid(actor, bid_id)


def _own_bid(actor: User, bid_id: int) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if (
        bid is None
        or actor is None
        or actor.role != Role.BIDDER
        or bid.organisation_id != actor.organisation_id
    ):
        # another bidder's bid does not exist, as far as this caller can tell
        raise NotFound(f"no bid {bid_id} of yours", code="bid_not_found")
    return bid


def _own_upload(actor: User, upload_id: str) -> Upload:
    _require_bidder(actor)
    upload = db.session.get(Upload, upload_id) if isinstance(upload_id, str) else None
    if upload is None or upload.user_id != actor.id:
        raise NotFound("no such upload of yours", code="upload_not_found")
    return upload


def _tender(session: Session, tender_id: int, *, for_update: bool = False) -> Tender:
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None or tender.state in (
        TenderState.DRAFT,
        TenderState.FILING,
        TenderState.RETURNED,
        TenderState.FILED,
    ):
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender


def _require_bidder(actor: User) -> None:
    if actor is None or actor.role != Role.BIDDER:
        raise Forbidden("this needs the bidder role")
