"""Export a finished tender's digital archive (docs/archive.md): one ZIP holding the tender as
published, every sealed envelope as received, the receipts, the opening record, the sealed
evaluation report, the ledger entries that concern the tender with the chain context that ties
them to signed checkpoints, and a manifest of every member signed by the platform."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from audit.archive import rules
from audit.ledger import chain, checkpoints
from audit.ledger.models import LedgerCheckpoint, LedgerEntry
from bidhall import clock, config, sandbox, storage
from bidhall.crypto import signed
from bidhall.db import db
from bidhall.errors import NotFound
from bidhall.events import emit
from evaluation.draws.models import ExpertDraw
from evaluation.sessions.models import EvaluationSession
from trading.award import queries as award_queries
from trading.bids.models import Bid
from trading.opening.models import Opening
from trading.tenders import serialize
from trading.tenders.models import Tender

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Exported:
    path: Path
    reference: str
    members: int
    size: int
    ledger_entries: int
    manifest_sha256: str


class _Writer:
    """Members written into the ZIP while their SHA-256 and size are taken."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.members: list[dict] = []

    def add(self, path: str, kind: str, data: bytes | BinaryIO) -> None:
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with self.archive.open(info, "w", force_zip64=True) as out:
            if isinstance(data, bytes):
                digest.update(data)
                out.write(data)
                size = len(data)
            else:
                while chunk := data.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        self.members.append(
            {"path": path, "kind": kind, "sha256": digest.hexdigest(), "size": size}
        )


def find_tender(session: Session, wanted: str) -> Tender:
    """A tender by its id or its reference."""
    tender = (
        session.get(Tender, int(wanted))
        if wanted.isdigit()
        else session.scalar(select(Tender).where(Tender.reference == wanted))
    )
    if tender is None:
        raise NotFound(f"no tender {wanted}", code="tender_not_found")
    return tender


def export_archive(
    wanted: str, output: Path | None = None, actor: str = "system:admin"
) -> Exported:
    """Write the tender's archive to ``output`` (default ``archive-<reference>.zip``)."""
    # a rehearsal's records are no tender's archive (docs/sandbox.md)
    sandbox.refuse("the tender's archive")
    session = db.session
    tender = find_tender(session, wanted)
    evaluation = session.scalar(
        select(EvaluationSession).where(EvaluationSession.tender_id == tender.id)
    )
    rules.check_archivable(
        tender.reference, tender.state.value, evaluation.state if evaluation else None
    )
    bids = list(session.scalars(select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.id)))
    draws = list(session.scalars(select(ExpertDraw.id).where(ExpertDraw.tender_id == tender.id)))
    ids = {
        "tender_id": {tender.id},
        "bid_id": {b.id for b in bids},
        "draw_id": set(draws),
        "session_id": {evaluation.id} if evaluation else set(),
    }
    concerning = concerning_seqs(session, ids)
    checkpoint_seqs = _checkpoint_seqs(session)
    if concerning and (not checkpoint_seqs or checkpoint_seqs[-1] < max(concerning)):
        # the tender's last entries are not signed yet: sign the head so that they are
        with db.transaction() as unit:
            checkpoints.sign_head(unit, "archive")
        session = db.session
        checkpoint_seqs = _checkpoint_seqs(session)
    ranges = rules.segments(concerning, checkpoint_seqs)

    opening = session.scalar(select(Opening).where(Opening.tender_id == tender.id))
    output = Path(output or f"archive-{tender.reference}.zip")
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=output.parent, suffix=".partial")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            writer = _Writer(archive)
            body = _write_members(
                writer, session, tender, bids, opening, evaluation, concerning, ranges
            )
            document = signed.sign(body, "manifest")
            manifest = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()
            archive.writestr(
                zipfile.ZipInfo(rules.MANIFEST, date_time=(1980, 1, 1, 0, 0, 0)), manifest
            )
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    manifest_sha256 = hashlib.sha256(manifest).hexdigest()
    with db.transaction():
        emit(
            "archive.exported",
            actor,
            tender_id=tender.id,
            manifest_sha256=manifest_sha256,
            members=len(body["members"]),
        )
    return Exported(
        path=output,
        reference=tender.reference,
        members=len(body["members"]),
        size=output.stat().st_size,
        ledger_entries=sum(last - first + 1 for first, last in ranges),
        manifest_sha256=manifest_sha256,
    )


def _write_members(
    writer: _Writer,
    session: Session,
    tender: Tender,
    bids: list[Bid],
    opening: Opening | None,
    evaluation: EvaluationSession | None,
    concerning: list[int],
    ranges: list[tuple[int, int]],
) -> dict:
    files = storage.get()
    writer.add("tender.json", "tender", _json(serialize.tender_public(tender)))
    for doc in tender.documents:
        with files.open(doc.storage_key) as stream:
            writer.add(f"documents/{doc.id}-{_safe(doc.filename)}", "document", stream)
    index = []
    for bid in bids:
        envelope = None
        if files.exists(bid.storage_key):
            envelope = f"bids/{bid.id}.bhseal"
            with files.open(bid.storage_key) as stream:
                writer.add(envelope, "envelope", stream)
        receipt = None
        if bid.receipt:
            receipt = f"receipts/{bid.id}.json"
            writer.add(receipt, "receipt", bid.receipt.encode())
        index.append(
            {
                "bid_id": bid.id,
                "lot": bid.lot_number,
                "state": bid.state.value,
                "outcome": bid.opening_outcome,
                "manifest_sha256": bid.manifest_sha256,
                "received_at": bid.received_at.isoformat(),
                "envelope": envelope,
                "receipt": receipt,
                # wrapped to the platform's custodian key: the centre (alone) can still open
                # an opened bid's documents from the archive; the file itself reveals nothing
                "documents_key_wrapped": bid.documents_key_wrapped
                if bid.opening_outcome and bid.decrypted_at
                else None,
            }
        )
    writer.add("bids/index.json", "bids", _json(index))
    if opening is not None and opening.record:
        writer.add("opening/record.json", "opening_record", opening.record.encode())
    if evaluation is not None and evaluation.report_pdf_key:
        with files.open(evaluation.report_pdf_key) as stream:
            writer.add("evaluation/report.pdf", "report", stream)
    awards = award_queries.records(tender.id)
    if awards:
        # the candidates, their publicity, objections and answers, the decision with its
        # reasons, the contract: the award's record as its managers see it
        writer.add("award/awards.json", "award", _json(awards))
    lines: list[str] = []
    for first, last in ranges:
        lines.extend(chain.export_range(session, first, last))
    writer.add("ledger/entries.jsonl", "ledger", "".join(line + "\n" for line in lines).encode())
    ends = {last for _first, last in ranges}
    exported = checkpoints.export(session)
    exported["checkpoints"] = [c for c in exported["checkpoints"] if c["seq"] in ends]
    writer.add("ledger/checkpoints.json", "checkpoints", _json(exported))

    years = int(config.current().get("ARCHIVE_RETENTION_YEARS", 15))
    ended = (
        rules.ended_at(
            tender.terminated_at,
            tender.closed_at,
            opening.closed_at if opening else None,
            evaluation.closed_at if evaluation else None,
        )
        or clock.now()
    )
    return {
        "format": rules.FORMAT,
        "tender": {
            "id": tender.id,
            "reference": tender.reference,
            "title": tender.title,
            "state": tender.state.value,
            "evaluation": evaluation.state if evaluation else None,
        },
        "exported_at": clock.now().isoformat(),
        "retention": {
            "years": years,
            "ended_at": ended.isoformat(),
            "retain_until": rules.retain_until(clock.as_utc(ended).date(), years).isoformat(),
        },
        "ledger": {
            "concerning": concerning,
            "segments": [[first, last] for first, last in ranges],
        },
        "members": writer.members,
    }


def concerning_seqs(session: Session, ids: dict[str, set[int]]) -> list[int]:
    """The seqs of the ledger entries whose payload names one of ``ids`` at its top level. The
    LIKE narrows (its ``_`` matches any character, so it finds a superset); the payload decides."""
    patterns = [
        LedgerEntry.payload.like(f'%"{key}":{value}%')
        for key, values in ids.items()
        for value in values
    ]
    if not patterns:
        return []
    rows = session.execute(
        select(LedgerEntry.seq, LedgerEntry.payload).where(or_(*patterns)).order_by(LedgerEntry.seq)
    )
    return [seq for seq, payload in rows if rules.concerns(_loads(payload), ids)]


def _checkpoint_seqs(session: Session) -> list[int]:
    return sorted(set(session.scalars(select(LedgerCheckpoint.seq))))


def _loads(payload: str) -> object:
    try:
        return json.loads(payload)
    except ValueError:
        return None


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _safe(filename: str) -> str:
    name = re.sub(r"[\\/\x00-\x1f]", "_", filename).strip(". ") or "document"
    return name[:150]
