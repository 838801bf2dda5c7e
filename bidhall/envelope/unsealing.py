"""Unsealing at the opening: recovering a section's key (the bidder's own or the custodians'
shares) and decrypting the summary or the documents, chunk by chunk."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bidhall.crypto.keys import b64, canonical, unb64
from bidhall.envelope.format import (
    DEFAULT_CHUNK,
    SECTIONS,
    TAG,
    EnvelopeRefused,
    chunk_aad,
    chunk_nonce,
)
from bidhall.envelope.keys import unwrap_key, wrap_context
from bidhall.envelope.reading import (
    Envelope,
    check_binding,
    check_header,
    check_trailer,
    parse_json,
    section_changed,
)
from bidhall.envelope.sealing import BackgroundSha256

# --- opening ------------------------------------------------------------------------------------


def unwrap_for_holder(envelope: Envelope, section: str, encryption_key: X25519PrivateKey) -> bytes:
    """The bidder's path at the opening: its own encryption key unlocks the data key."""
    return _unwrap(envelope.header, section, encryption_key, None)[1]


def unwrap_share(
    envelope: Envelope, section: str, encryption_key: X25519PrivateKey, custodian_fingerprint: str
) -> tuple[int, bytes]:
    """A custodian's path: unlock its own share of a section's data key."""
    x, share = _unwrap(envelope.header, section, encryption_key, custodian_fingerprint)
    return int(x), share  # a custodian's share always has its x


def opening_secrets(
    header: dict, encryption_key: X25519PrivateKey, custodian_fingerprint: str | None = None
) -> dict[str, bytes]:
    """What a party's own machine unlocks at the opening from an envelope's header alone, per
    section: the bidder its data keys, or (with its certificate's fingerprint) a custodian its
    shares."""
    check_header(header)  # a header handed out by a server, not read by ``inspect`` here
    return {
        section: _unwrap(header, section, encryption_key, custodian_fingerprint)[1]
        for section in SECTIONS
    }


def _unwrap(
    header: dict, name: str, encryption_key: X25519PrivateKey, custodian_fingerprint: str | None
) -> tuple[int | None, bytes]:
    section = next(s for s in header["sections"] if s["name"] == name)
    tender_id = header["tender"]["id"]
    if custodian_fingerprint is None:
        context = wrap_context(name, tender_id, "holder")
        return None, unwrap_key(section["holder"], encryption_key, context)
    for share in section["custodians"]["shares"]:
        if share["recipient"] == custodian_fingerprint:
            context = wrap_context(name, tender_id, "custodian", share["x"])
            return share["x"], unwrap_key(share, encryption_key, context)
    raise EnvelopeRefused("this envelope holds no share for that custodian", code="no_share")


def open_section(
    stream: BinaryIO, envelope: Envelope, section: str, key: bytes, *, verify: bool = False
) -> Iterator[bytes]:
    """Decrypt a section chunk by chunk. Any changed, dropped, reordered or truncated chunk, or a
    wrong key, raises ``EnvelopeRefused`` (code ``decryption_failed``). With ``verify``, the
    ciphertext is also hashed on the way (in a second thread) and checked against the signed
    manifest after the last chunk (``ciphertext_mismatch``)."""
    digest = BackgroundSha256() if verify else None
    offset, length = envelope.offsets[section]
    chunk_size = envelope.header["chunk_size"] + TAG
    prefix = unb64(envelope.section(section)["nonce_prefix"])
    aead = AESGCM(key)
    aad = chunk_aad(section, envelope.manifest["header_sha256"])
    stream.seek(offset)
    index, left = 0, length
    while left > 0:
        size = min(chunk_size, left)
        data = stream.read(size)
        left -= size
        if digest is not None:
            digest.update(data)
        try:
            yield aead.decrypt(chunk_nonce(prefix, index, left == 0), data, aad)
        except InvalidTag:
            raise EnvelopeRefused(
                f"section {section}: chunk {index} does not decrypt — wrong "
                "key, or the ciphertext was tampered with",
                code="decryption_failed",
            ) from None
        index += 1
    if digest is not None:
        expected = next(s for s in envelope.manifest["sections"] if s["name"] == section)
        if digest.hexdigest() != expected["ciphertext_sha256"]:
            raise section_changed(section)


def check_key(stream: BinaryIO, envelope: Envelope, section: str, key: bytes) -> None:
    """Whether ``key`` decrypts and authenticates the whole section (the server's check of a key
    a bidder or the custodians hand in at the opening)."""
    for _ in open_section(stream, envelope, section, key):
        pass


def read_summary(stream: BinaryIO, envelope: Envelope, key: bytes) -> dict:
    data = b"".join(open_section(stream, envelope, "summary", key))
    return parse_json(data, "malformed_summary")


def summary_excerpt(stream: BinaryIO, envelope: Envelope) -> dict:
    """What an opening record publishes of an envelope so that anyone can re-decrypt its
    summary with the published key: the header, the signed trailer and the summary section's
    ciphertext (the documents' ciphertext stays with the platform)."""
    offset, length = envelope.offsets["summary"]
    stream.seek(offset)
    return {
        "header": b64(canonical(envelope.header)),
        "trailer": envelope.trailer,
        "summary_ciphertext": b64(stream.read(length)),
    }


def open_summary_excerpt(excerpt: object, key: bytes) -> tuple[dict, Envelope]:
    """Check an excerpt as ``inspect`` checks a whole envelope (header bound to the signed
    manifest, summary ciphertext hash, bidder's signature) and decrypt its summary."""
    try:
        assert isinstance(excerpt, dict)
        header_bytes = unb64(excerpt["header"])
        ciphertext = unb64(excerpt["summary_ciphertext"])
        trailer = excerpt["trailer"]
        assert isinstance(trailer, dict)
    except (AssertionError, KeyError, TypeError, ValueError):
        raise EnvelopeRefused(
            "the envelope excerpt is malformed", code="malformed_excerpt"
        ) from None
    header = parse_json(header_bytes, "malformed_header")
    check_header(header)
    manifest, signer, chain = check_trailer(trailer)
    check_binding(header, header_bytes, manifest)
    sections = manifest.get("sections") or [{}]
    if sections[0].get("name") != "summary" or sections[0].get("ciphertext_bytes") != len(
        ciphertext
    ):
        raise section_changed("summary")
    if hashlib.sha256(ciphertext).hexdigest() != sections[0].get("ciphertext_sha256"):
        raise section_changed("summary")
    opened = Envelope(
        header=header,
        manifest=manifest,
        manifest_sha256=hashlib.sha256(canonical(manifest)).hexdigest(),
        signer=signer,
        chain=chain,
        offsets={"summary": (0, len(ciphertext))},
        trailer=trailer,
    )
    return read_summary(io.BytesIO(ciphertext), opened, key), opened


def check_first_chunk(stream: BinaryIO, envelope: Envelope, section: str, key: bytes) -> None:
    """Whether ``key`` is the section's data key: its first chunk decrypts and authenticates.
    (The whole ciphertext was already checked against the signed manifest on receipt; reading
    the documents section in full is left to whoever needs the documents.)"""
    for _ in open_section(stream, envelope, section, key):
        break


def extract_documents(
    stream: BinaryIO, envelope: Envelope, key: bytes, target: Path, *, verify: bool = True
) -> list[str]:
    """Decrypt the documents section into ``target`` (the bidder's or the committee's copy),
    checking the ciphertext against the signed manifest on the way (``verify``)."""
    reader = SectionReader(open_section(stream, envelope, "documents", key, verify=verify))
    names = []
    target = target.resolve()
    with tarfile.open(fileobj=reader, mode="r|", bufsize=DEFAULT_CHUNK) as archive:
        for member in archive:
            if not member.isfile():
                continue
            path = (target / member.name).resolve()
            if target not in path.parents:
                raise EnvelopeRefused(
                    f"unsafe path in the documents: {member.name}", code="unsafe_path"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            with open(path, "wb") as out:
                while block := source.read(DEFAULT_CHUNK):
                    out.write(block)
            names.append(member.name)
    for _ in iter(lambda: reader.read(DEFAULT_CHUNK), b""):
        pass  # the tar end-of-archive padding: read to the end so the manifest check runs
    return names


class SectionReader(io.RawIOBase):
    """Plaintext chunks as a readable file, without copying what is left of a chunk per read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n
