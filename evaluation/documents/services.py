"""The bids' documents inside the evaluation session (远程异地评标: documents go through the live
session too, DOMAIN.md §4).

Who reads: the committee's members only — seated, active and checked in at their workstations
(``room.role_of``). Supervisors watch the session but do not read the bids: they are refused
(``not_member``). Everyone else — the bidders (their own bid included), the tender's staff, an
expert of another session, the public — is refused as the session refuses them
(``not_in_session``), and a member who is not checked in with ``not_checked_in``.
When: while the session is open or suspended; a terminated or finished session is closed
(``session_closed``). What: only the bids of the session (``bid_not_found``).

How: a bid's documents are the ``documents`` section of its envelope, a pax tar stream encrypted
in chunks (docs/seal-format.md). Each request decrypts it from the start, on the server, with the
documents key kept at the opening (``trading.opening.keys.documents_key``), a chunk at a time,
and reads the tar member by member: a listing reads to the end keeping the headers only, a file
is read up to its member and streamed from there. Nothing decrypted is written to disk or kept
beyond the request: memory holds a few chunks whatever the size of the bid.

Every open is recorded: the unit that authorizes it posts the session message
``evaluation.document_opened`` (``seat``, ``bid_id``, ``file``, ``size``), which is also the
ledger's event (the audit layer derives each member's reading from these). Listing posts nothing.
"""

from __future__ import annotations

import logging
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session

from bidhall import storage
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import unsealing
from bidhall.envelope.format import DEFAULT_CHUNK
from bidhall.envelope.unsealing import SectionReader
from bidhall.errors import Conflict, NotFound
from evaluation.documents import rules
from evaluation.sessions import room
from evaluation.sessions.models import EvaluationSession, SessionMember
from trading.bids.models import Bid
from trading.opening.keys import documents_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentFile:
    """One file of a bid's documents, as the committee sees it."""

    name: str  # its path inside the bid folder
    size: int
    content_type: str
    inline: bool  # shown in the page, else downloaded (``rules.delivery``)


@dataclass(frozen=True)
class OpenedDocument:
    """A file being read: ``content`` yields its plaintext in blocks; iterate it to the end or
    ``close()`` it (either closes the stored envelope)."""

    file: DocumentFile
    content: Iterator[bytes]


def list_documents(user: User | None, session_id: int, bid_id: int) -> list[DocumentFile]:
    """The files of one bid of the session, in the bid folder's order (members only; posts
    nothing)."""
    storage_key, key = _admitted(user, session_id, bid_id)
    documents = _Documents(storage_key, key, bid_id)
    try:
        return [_file(name, member) for name, member in documents.files()]
    finally:
        documents.close()


def open_document(user: User | None, session_id: int, bid_id: int, name: str) -> OpenedDocument:
    """Open one file of a bid for a member: found in the decrypted tar, then recorded as a
    session message in the unit that authorizes it again under the session's lock, then
    streamed. Only a member may make the server decrypt anything or learn whether a name is
    there; the lock is held for the record only, never while decrypting."""
    storage_key, key = _admitted(user, session_id, bid_id)
    name = rules.check_name(name)
    documents = _Documents(storage_key, key, bid_id)
    try:
        member = documents.find(name)
        file = _file(name, member)
        with db.transaction() as session:
            evaluation, reader = _check(session, user, session_id, bid_id, lock=True)
            room.post(
                session,
                evaluation,
                user,
                "document_opened",
                seat=reader.seat,
                bid_id=bid_id,
                file=name,
                size=file.size,
            )
    except BaseException:
        documents.close()
        raise
    return OpenedDocument(file, documents.content(member))


# --- authorization ------------------------------------------------------------------------------


def _check(
    session: Session, user: User | None, session_id: int, bid_id: int, *, lock: bool
) -> tuple[EvaluationSession, SessionMember]:
    evaluation = room.load(session, session_id, lock=lock)
    role, member = room.role_of(session, user, evaluation)
    rules.check_reader(role)
    rules.check_readable(evaluation.state)
    if bid_id not in evaluation.bid_ids:
        raise NotFound(f"no bid {bid_id} in this evaluation", code="bid_not_found")
    assert member is not None  # check_reader admits members only
    return evaluation, member


def _admitted(user: User | None, session_id: int, bid_id: int) -> tuple[str, bytes]:
    """The checks, read only, before anything is decrypted: the bid's stored envelope and its
    documents key. The database connection is handed back before the slow part."""
    _check(db.session, user, session_id, bid_id, lock=False)
    bid = db.session.get(Bid, bid_id)
    if bid is None:  # a session's bid ids are rows of bids
        raise NotFound(f"no bid {bid_id} in this evaluation", code="bid_not_found")
    storage_key, key = bid.storage_key, documents_key(bid)
    db.release()
    return storage_key, key


def _file(name: str, member: tarfile.TarInfo) -> DocumentFile:
    delivery = rules.delivery(name)
    return DocumentFile(name, member.size, delivery.content_type, delivery.inline)


# --- reading the decrypted tar stream -----------------------------------------------------------


class _Documents:
    """A bid's documents section, decrypted chunk by chunk and read as a tar stream, forward
    only. Only regular files with a safe name (``rules.member_name``) are seen; links, folders
    and devices are skipped, never followed."""

    def __init__(self, storage_key: str, key: bytes, bid_id: int) -> None:
        self._bid_id = bid_id
        self._stream = storage.get().open(storage_key)
        try:
            # the ciphertext was checked against the bidder's signed manifest on receipt, and
            # every chunk read here is authenticated by its own tag and place (STREAM)
            sealed = envelope_reading.inspect(self._stream, hash_sections=False)
            self._chunks = unsealing.open_section(self._stream, sealed, "documents", key)
            with _readable():
                self._tar = tarfile.open(
                    fileobj=SectionReader(self._chunks), mode="r|", bufsize=DEFAULT_CHUNK
                )
        except BaseException:
            self._stream.close()
            raise

    def files(self) -> Iterator[tuple[str, tarfile.TarInfo]]:
        skipped = 0
        while True:
            with _readable():
                member = self._tar.next()
            if member is None:
                break
            name = rules.member_name(member.name) if member.isfile() else None
            if name is not None:
                yield name, member
            elif member.isfile():
                skipped += 1
        if skipped:
            logger.warning(
                "bid %s: %d document files with unsafe names skipped", self._bid_id, skipped
            )

    def find(self, name: str) -> tarfile.TarInfo:
        """The first member of that name; the stream is left at its data."""
        for found, member in self.files():
            if found == name:
                return member
        raise NotFound("this bid's documents hold no file of that name", code="file_not_found")

    def content(self, member: tarfile.TarInfo) -> _Content:
        source = self._tar.extractfile(member)
        assert source is not None  # a regular file
        return _Content(source, self.close)

    def close(self) -> None:
        self._tar.close()
        self._chunks.close()
        self._stream.close()


class _Content:
    """A member's plaintext in blocks; closed (the stored envelope with it) at its end, on an
    error, or when the response is closed unread (a HEAD request, a client gone)."""

    def __init__(self, source: IO[bytes], close: Callable[[], None]) -> None:
        self._source = source
        self._close = close

    def __iter__(self) -> _Content:
        return self

    def __next__(self) -> bytes:
        try:
            block = self._source.read(DEFAULT_CHUNK)
        except BaseException:
            self.close()
            raise
        if not block:
            self.close()
            raise StopIteration
        return block

    def close(self) -> None:
        self._close()


@contextmanager
def _readable() -> Iterator[None]:
    try:
        yield
    except tarfile.TarError:
        raise Conflict(
            "this bid's documents are not a readable tar archive", code="documents_unreadable"
        ) from None
