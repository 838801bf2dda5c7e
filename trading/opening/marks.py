"""The marks of the opened documents, for the origin screens (DOMAIN.md §5 bid.same_origin;
Regs Art 40 (1): documents made by one unit or person).

Once every bid has been read out, the tick decrypts each opened bid's documents on the server as
the evaluation reads them (the documents key kept at the opening, a chunk at a time, nothing
written to disk) and notes what tells where they were made: every file's plaintext SHA-256 and
the names an office document (docx, xlsx, pptx: ``docProps/core.xml`` creator and
lastModifiedBy, ``docProps/app.xml`` Company) or a PDF (its Info ``/Author``, XMP
``dc:creator``) carries. They are kept as ``BidMark`` rows and in the ledger event
``bid.documents_marked``; nobody is shown them, the audit compares them between bids.

Never in the hall's unit: a bid's documents (up to 2 GiB) are read outside any transaction and
only the marks are written, a budget of bytes per tick.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import tarfile
import unicodedata
import zipfile
from datetime import datetime
from xml.etree import ElementTree

from sqlalchemy import select

from bidhall import clock, storage
from bidhall.db import db, fetch_one
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import unsealing
from bidhall.envelope.format import DEFAULT_CHUNK, EnvelopeRefused
from bidhall.events import emit
from trading.bids.models import Bid, BidMark
from trading.opening.keys import documents_key
from trading.opening.models import Opening
from trading.opening.rules import OPENED, SYSTEM, Phase

logger = logging.getLogger(__name__)

BYTES_PER_TICK = 512 * 1024 * 1024  # one bid at least, then no more past this
METADATA_MAX_BYTES = 32 * 1024 * 1024  # a larger file is hashed only (its metadata needs it whole)
OFFICE = (".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".xltx", ".pptx", ".pptm")
MAX_NAME = 200


def tick(now: datetime) -> list[int]:
    """Mark the opened bids of halls read out, within the tick's budget; the bids marked."""
    due = db.session.execute(
        select(Bid.id, Bid.size)
        .join(Opening, Opening.tender_id == Bid.tender_id)
        .where(
            Opening.phase.in_((Phase.READ, Phase.CLOSED)),
            Bid.opening_outcome.in_(OPENED),
            Bid.documents_marked_at.is_(None),
            Bid.documents_key_wrapped.is_not(None),
        )
        .order_by(Bid.id)
    ).all()
    db.session.rollback()
    marked: list[int] = []
    spent = 0
    for bid_id, size in due:
        if marked and spent + size > BYTES_PER_TICK:
            break
        try:
            mark_documents(bid_id)
        except Exception:  # the storage or the database failing: the next tick tries again
            logger.exception("the documents of bid %s were not marked", bid_id)
            continue
        marked.append(bid_id)
        spent += size
    return marked


def mark_documents(bid_id: int) -> None:
    """Read one opened bid's documents and record their marks, once."""
    bid = db.session.get(Bid, bid_id)
    storage_key, key = bid.storage_key, documents_key(bid)
    db.release()  # decrypting a large bid must not hold a database connection
    try:
        files, unreadable = read_files(storage_key, key), False
    except (tarfile.TarError, EnvelopeRefused):
        files, unreadable = [], True
        logger.warning("bid %s: its documents are not a readable tar archive", bid_id)
    with db.transaction() as session:
        bid = fetch_one(session, Bid, bid_id, lock=True)
        if bid.documents_marked_at is not None:
            return
        bid.documents_marked_at = clock.now()
        for kind, value in sorted(marks_of(files)):
            session.add(
                BidMark(bid_id=bid.id, organisation_id=bid.organisation_id, kind=kind, value=value)
            )
        emit(
            "bid.documents_marked",
            SYSTEM,
            tender_id=bid.tender_id,
            bid_id=bid.id,
            organisation_id=bid.organisation_id,
            files=files,
            unreadable=unreadable,
        )


def marks_of(files: list[dict]) -> set[tuple[str, str]]:
    marks = set()
    for entry in files:
        if entry["size"] > 0:  # every empty file is the same file
            marks.add(("file", entry["sha256"]))
        for kind in ("author", "company"):
            marks.update((kind, value) for value in entry.get(kind + "s", ()))
    return marks


# --- reading the documents ----------------------------------------------------------------------


def read_files(storage_key: str, key: bytes) -> list[dict]:
    """Every regular file of the documents: ``{name, size, sha256}`` and, for an office document
    or a PDF, ``authors`` and ``companies`` (normalised names) where it names any."""
    files = []
    with storage.get().open(storage_key) as stream:
        sealed = envelope_reading.inspect(stream, hash_sections=False)
        chunks = unsealing.open_section(stream, sealed, "documents", key)
        reader = unsealing.SectionReader(chunks)
        try:
            with tarfile.open(fileobj=reader, mode="r|", bufsize=DEFAULT_CHUNK) as archive:
                for member in archive:
                    if member.isfile():
                        files.append(_read_file(archive, member))
        finally:
            chunks.close()
    return files


def _read_file(archive: tarfile.TarFile, member: tarfile.TarInfo) -> dict:
    name = member.name
    lower = name.lower()
    wanted = member.size <= METADATA_MAX_BYTES and (lower.endswith(OFFICE + (".pdf",)))
    source = archive.extractfile(member)
    digest = hashlib.sha256()
    kept = bytearray()
    while block := source.read(DEFAULT_CHUNK):
        digest.update(block)
        if wanted:
            kept += block
    entry: dict = {"name": name[:255], "size": member.size, "sha256": digest.hexdigest()}
    if wanted:
        found = _pdf_names(bytes(kept)) if lower.endswith(".pdf") else _office_names(bytes(kept))
        entry.update({k: sorted(v) for k, v in found.items() if v})
    return entry


def normal_name(value: str) -> str:
    """A name as the screens compare it: NFKC, casefolded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())[:MAX_NAME]


def _names(values: list[str]) -> set[str]:
    return {n for n in (normal_name(v) for v in values if v) if n}


_OFFICE_FIELDS = {
    "docProps/core.xml": {"creator": "authors", "lastModifiedBy": "authors"},
    "docProps/app.xml": {"Company": "companies"},
}
_XML_MAX = 1024 * 1024


def _office_names(data: bytes) -> dict[str, set[str]]:
    found: dict[str, list[str]] = {"authors": [], "companies": []}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for part, fields in _OFFICE_FIELDS.items():
                try:
                    info = package.getinfo(part)
                except KeyError:
                    continue
                if info.file_size > _XML_MAX:
                    continue
                xml = package.read(info)
                if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                    continue  # no entity expansion from a bidder's file
                for element in ElementTree.fromstring(xml).iter():
                    local = element.tag.rsplit("}", 1)[-1]
                    if local in fields and element.text:
                        found[fields[local]].append(element.text)
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError, ValueError, RuntimeError):
        pass  # not a readable package: its hash is still a mark
    return {kind: _names(values) for kind, values in found.items()}


_PDF_INFO = re.compile(rb"/Author\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)", re.S)
_PDF_XMP = re.compile(rb"<dc:creator>(.*?)</dc:creator>", re.S)
_XMP_ITEM = re.compile(rb"<rdf:li[^>]*>(.*?)</rdf:li>", re.S)


def _pdf_names(data: bytes) -> dict[str, set[str]]:
    """The authors an uncompressed Info dictionary or XMP packet names (a heuristic: an Info
    dictionary inside a compressed object stream is not read)."""
    authors = [_pdf_string(m.group(1)) for m in _PDF_INFO.finditer(data)]
    for packet in _PDF_XMP.findall(data):
        authors += [_xml_text(item) for item in _XMP_ITEM.findall(packet)]
    return {"authors": _names(authors)}


def _pdf_string(token: bytes) -> str:
    if token.startswith(b"<"):
        digits = "".join(token[1:-1].decode("ascii").split())
        raw = bytes.fromhex(digits + "0" * (len(digits) % 2))
    else:
        raw = re.sub(rb"\\([nrtbf()\\]|[0-7]{1,3})", _pdf_escape, token[1:-1])
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace")
    return raw.decode("latin-1")


def _pdf_escape(match: re.Match) -> bytes:
    code = match.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(code, code)


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")
