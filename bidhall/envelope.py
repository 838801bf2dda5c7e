"""The sealed-bid envelope ``bidhall-seal/1`` (DESIGN.md §4; byte layout in docs/seal-format.md).

Pure cryptography and file format: no Flask, no database. The bidder's offline tool seals with
``seal(...)``; the server checks an upload with ``inspect(...)`` (structure, hashes, signature —
no key needed); at the opening a data key recovered by the bidder (``unwrap_for_holder``) or
from custodian shares (``combine_shares``) decrypts a section with ``open_section``.

Layout::

    b"BHSEAL1\\n" | u32 header length | header JSON | section ciphertexts ... |
    trailer JSON | u32 trailer length | b"BHSEAL1E"

Each section (``summary``, ``documents``) has its own random 256-bit data key and is encrypted
with AES-256-GCM in fixed-size chunks (the STREAM construction): the nonce of chunk *i* is
``prefix(7) || i (u32) || last (1 byte)``, and every chunk's associated data binds the section
name and the SHA-256 of the header, so chunks cannot be reordered, dropped, truncated, moved to
another section or another envelope unnoticed. The trailer's manifest holds the SHA-256 of every
section's ciphertext (never of a plaintext: a price could be guessed from its hash) and is signed
by the bidder's signing key.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import struct
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bidhall.crypto.keys import b64, canonical, unb64
from bidhall.errors import InvalidInput

FORMAT = "bidhall-seal/1"
SUITE = "bidhall-ed25519-x25519-hkdfsha256-aes256gcm/1"
MAGIC = b"BHSEAL1\n"
END_MAGIC = b"BHSEAL1E"
SECTIONS = ("summary", "documents")
DEFAULT_CHUNK = 1024 * 1024
TAG = 16
MAX_HEADER = 4 * 1024 * 1024
MAX_TRAILER = 1024 * 1024
_U32 = struct.Struct(">I")


class EnvelopeRefused(InvalidInput):
    """The file is not an intact, well-formed envelope; ``code`` says exactly why."""

    code = "invalid_envelope"


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


# --- key wrapping (X25519 + HKDF-SHA256 + AES-256-GCM) -----------------------------------------


def wrap_key(key: bytes, recipient: x509.Certificate, context: str) -> dict:
    """Lock ``key`` to the X25519 key of ``recipient``'s encryption certificate."""
    public = recipient.public_key()
    if not isinstance(public, X25519PublicKey):
        raise EnvelopeRefused(
            "a recipient certificate must carry an X25519 encryption key",
            code="recipient_not_x25519",
        )
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes_raw()
    kek = _kek(ephemeral.exchange(public), ephemeral_raw, public.public_bytes_raw(), context)
    nonce = os.urandom(12)
    return {
        "recipient": fingerprint(recipient),
        "ephemeral": b64(ephemeral_raw),
        "nonce": b64(nonce),
        "wrapped": b64(AESGCM(kek).encrypt(nonce, key, context.encode())),
    }


def unwrap_key(wrapped: dict, private_key: X25519PrivateKey, context: str) -> bytes:
    try:
        ephemeral_raw = unb64(wrapped["ephemeral"])
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        kek = _kek(shared, ephemeral_raw, private_key.public_key().public_bytes_raw(), context)
        return AESGCM(kek).decrypt(
            unb64(wrapped["nonce"]), unb64(wrapped["wrapped"]), context.encode()
        )
    except (InvalidTag, KeyError, ValueError, TypeError):
        raise EnvelopeRefused("this key cannot unlock the envelope", code="unwrap_failed") from None


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes, context: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + recipient,
        info=b"bidhall-seal/1 key-wrap " + context.encode(),
    ).derive(shared)


def wrap_context(section: str, tender_id: int, role: str, x: int | None = None) -> str:
    return f"{FORMAT}|tender:{tender_id}|section:{section}|{role}" + (
        "" if x is None else f"|x:{x}"
    )


# --- Shamir t-of-n over a 256-bit key (pycryptodome splits 16-byte secrets) ----------------------


def split_key(key: bytes, threshold: int, count: int) -> list[tuple[int, bytes]]:
    """Split a 32-byte key as two 16-byte halves with the same x-coordinates (DESIGN.md §4)."""
    from Crypto.Protocol.SecretSharing import Shamir

    if not 2 <= threshold <= count:
        raise InvalidInput(
            f"a threshold of {threshold} of {count} is not a valid split", code="invalid_threshold"
        )
    left = Shamir.split(threshold, count, key[:16])
    right = Shamir.split(threshold, count, key[16:])
    return [(x, a + b) for (x, a), (x2, b) in zip(left, right, strict=True) if x == x2]


def combine_shares(shares: list[tuple[int, bytes]]) -> bytes:
    from Crypto.Protocol.SecretSharing import Shamir

    left = Shamir.combine([(x, share[:16]) for x, share in shares])
    right = Shamir.combine([(x, share[16:]) for x, share in shares])
    return left + right


# --- sealing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealTarget:
    """What the tender's sealing descriptor gives the offline tool."""

    tender_id: int
    tender_reference: str
    custodians: list[x509.Certificate]  # encryption certificates of the opening custodians
    threshold: int
    chunk_size: int = DEFAULT_CHUNK
    lot: int = 1


@dataclass(frozen=True)
class Sealer:
    """The bidder's own keys and certificates."""

    signing_key: Ed25519PrivateKey
    signing_cert: x509.Certificate
    encryption_cert: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)


def seal(
    out: BinaryIO,
    target: SealTarget,
    sealer: Sealer,
    summary: dict,
    documents: Path | None,
    commitment: str,
    created_at: str,
) -> dict:
    """Write a sealed envelope to ``out``; return its manifest. Memory stays at a few chunks
    whatever the size of the documents."""
    keys = {name: os.urandom(32) for name in SECTIONS}
    prefixes = {name: os.urandom(7) for name in SECTIONS}
    header = {
        "format": FORMAT,
        "suite": SUITE,
        "tender": {"id": target.tender_id, "reference": target.tender_reference, "lot": target.lot},
        "created_at": created_at,
        "chunk_size": target.chunk_size,
        "commitment": commitment,
        "sections": [
            _section_header(name, keys[name], prefixes[name], target, sealer) for name in SECTIONS
        ],
    }
    header_bytes = canonical(header)
    if len(header_bytes) > MAX_HEADER:
        raise InvalidInput("too many recipients for one envelope", code="header_too_large")
    header_sha256 = hashlib.sha256(header_bytes).hexdigest()
    out.write(MAGIC + _U32.pack(len(header_bytes)) + header_bytes)
    sections = []
    writer = _ChunkWriter(
        out, keys["summary"], prefixes["summary"], "summary", header_sha256, target.chunk_size
    )
    writer.write(canonical(summary))
    sections.append(writer.close())
    writer = _ChunkWriter(
        out, keys["documents"], prefixes["documents"], "documents", header_sha256, target.chunk_size
    )
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        for path in _document_files(documents):
            info = archive.gettarinfo(str(path), arcname=str(path.relative_to(documents)))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as handle:
                archive.addfile(info, handle)
    sections.append(writer.close())
    manifest = {
        "format": FORMAT,
        "suite": SUITE,
        "tender_id": target.tender_id,
        "header_sha256": header_sha256,
        "sections": sections,
    }
    trailer = {
        "manifest": manifest,
        "signature": b64(sealer.signing_key.sign(canonical(manifest))),
        "signer": sealer.signing_cert.public_bytes(serialization.Encoding.PEM).decode(),
        "chain": [c.public_bytes(serialization.Encoding.PEM).decode() for c in sealer.chain],
    }
    trailer_bytes = canonical(trailer)
    out.write(trailer_bytes + _U32.pack(len(trailer_bytes)) + END_MAGIC)
    return manifest


def _section_header(
    name: str, key: bytes, prefix: bytes, target: SealTarget, sealer: Sealer
) -> dict:
    shares = split_key(key, target.threshold, len(target.custodians))
    return {
        "name": name,
        "nonce_prefix": b64(prefix),
        "holder": wrap_key(
            key, sealer.encryption_cert, wrap_context(name, target.tender_id, "holder")
        ),
        "custodians": {
            "threshold": target.threshold,
            "shares": [
                {
                    "x": x,
                    **wrap_key(share, cert, wrap_context(name, target.tender_id, "custodian", x)),
                }
                for (x, share), cert in zip(shares, target.custodians, strict=True)
            ],
        },
    }


def _document_files(root: Path | None) -> list[Path]:
    if root is None:
        return []
    if not root.is_dir():
        raise InvalidInput(f"{root} is not a folder of bid documents", code="invalid_documents")
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + _U32.pack(index) + (b"\x01" if last else b"\x00")


def _aad(section: str, header_sha256: str) -> bytes:
    return f"{FORMAT}|{section}|{header_sha256}".encode()


class _BackgroundSha256:
    """SHA-256 fed from a worker thread. hashlib releases the GIL on large buffers, so the
    caller's encryption, reading or writing overlaps with hashing on a second core; the queue
    bounds memory to a few chunks."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._thread = threading.Thread(target=self._run, name="bidhall-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            self._digest.update(item)

    def update(self, data: bytes) -> None:
        self._queue.put(data)  # immutable bytes only: the worker reads them later

    def hexdigest(self) -> str:
        self._queue.put(None)
        self._thread.join()
        return self._digest.hexdigest()


class _ChunkWriter(io.RawIOBase):
    """A write-only file object that encrypts what it is given in fixed-size chunks."""

    def __init__(
        self,
        out: BinaryIO,
        key: bytes,
        prefix: bytes,
        section: str,
        header_sha256: str,
        chunk_size: int,
    ) -> None:
        super().__init__()
        self._out, self._aead, self._prefix = out, AESGCM(key), prefix
        self._aad = _aad(section, header_sha256)
        self._size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._digest = _BackgroundSha256()
        self._bytes = 0
        self._section = section

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        view = memoryview(data)
        if not self._buffer and len(view) >= self._size:
            # fast path: whole chunks straight from the caller's buffer; the last full one is
            # kept back, as it may turn out to be the final chunk
            whole = (len(view) - 1) // self._size * self._size
            for start in range(0, whole, self._size):
                self._emit(view[start : start + self._size], last=False)
            view = view[whole:]
        self._buffer += view
        while len(self._buffer) > self._size:
            self._emit(self._buffer[: self._size], last=False)
            del self._buffer[: self._size]
        return len(data)

    def _emit(self, chunk: bytes | memoryview, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), chunk, self._aad)
        self._out.write(sealed)
        self._digest.update(sealed)
        self._bytes += len(sealed)
        self._index += 1

    def close(self) -> dict:  # type: ignore[override]
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            super().close()
        return {
            "name": self._section,
            "chunks": self._index,
            "ciphertext_bytes": self._bytes,
            "ciphertext_sha256": self._digest.hexdigest(),
        }


# --- reading and checking -----------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """An envelope whose structure, ciphertext hashes and signature were checked."""

    header: dict
    manifest: dict
    manifest_sha256: str
    signer: x509.Certificate
    chain: list[x509.Certificate]
    offsets: dict[str, tuple[int, int]]  # section -> (offset, ciphertext length)
    trailer: dict = field(default_factory=dict)  # the signed manifest block, as in the file

    @property
    def tender_id(self) -> int:
        return self.header["tender"]["id"]

    @property
    def lot(self) -> int:
        return self.header["tender"]["lot"]

    def custodian_fingerprints(self, section: str) -> list[str]:
        return [share["recipient"] for share in self.section(section)["custodians"]["shares"]]

    def section(self, name: str) -> dict:
        return next(s for s in self.header["sections"] if s["name"] == name)


def inspect(stream: BinaryIO, *, hash_sections: bool = True) -> Envelope:
    """Check an envelope without any key: layout, header, every section's ciphertext hash against
    the manifest, and the manifest's signature by the embedded signer certificate. (Whether that
    certificate is valid, unrevoked and the bidder's is for the platform's CA to say.)

    ``hash_sections=False`` leaves the sections' hashes to ``open_section(..., verify=True)``,
    which checks them while decrypting: one pass over the data instead of two."""
    stream.seek(0, os.SEEK_END)
    total = stream.tell()
    stream.seek(0)
    if total < len(MAGIC) + 4 + 4 + len(END_MAGIC) or stream.read(len(MAGIC)) != MAGIC:
        raise EnvelopeRefused(
            "not a bidhall-seal/1 envelope: an unencrypted or foreign file is refused",
            code="not_an_envelope",
        )
    header_length = _U32.unpack(stream.read(4))[0]
    if header_length > min(MAX_HEADER, total):
        raise EnvelopeRefused("the envelope header is malformed", code="malformed_header")
    header_bytes = stream.read(header_length)
    header = _json(header_bytes, "malformed_header")
    stream.seek(total - len(END_MAGIC) - 4)
    trailer_length = _U32.unpack(stream.read(4))[0]
    if stream.read(len(END_MAGIC)) != END_MAGIC:
        raise EnvelopeRefused(
            "the envelope is truncated: its end marker is missing", code="truncated"
        )
    trailer_start = total - len(END_MAGIC) - 4 - trailer_length
    body_start = len(MAGIC) + 4 + header_length
    if trailer_length > MAX_TRAILER or trailer_start < body_start:
        raise EnvelopeRefused("the envelope trailer is malformed", code="malformed_trailer")
    stream.seek(trailer_start)
    trailer = _json(stream.read(trailer_length), "malformed_trailer")
    _check_header(header)
    manifest, signer, chain = _check_trailer(trailer)
    _check_binding(header, header_bytes, manifest)
    sections = manifest.get("sections")
    if not isinstance(sections, list) or [s.get("name") for s in sections] != list(SECTIONS):
        raise EnvelopeRefused(
            "the manifest must list the summary then the documents", code="malformed_manifest"
        )
    offsets: dict[str, tuple[int, int]] = {}
    position = body_start
    for entry in sections:
        length = entry.get("ciphertext_bytes")
        chunks = entry.get("chunks")
        if not isinstance(length, int) or not isinstance(chunks, int) or chunks < 1:
            raise EnvelopeRefused(
                "the manifest's section sizes are malformed", code="malformed_manifest"
            )
        expected_chunks = max(1, -(-(length) // (header["chunk_size"] + TAG)))
        if length < TAG * chunks or chunks != expected_chunks:
            raise EnvelopeRefused(
                f"section {entry['name']}: its chunk count does not match its size",
                code="malformed_manifest",
            )
        offsets[entry["name"]] = (position, length)
        position += length
    if position != trailer_start:
        raise EnvelopeRefused(
            "the sections' sizes do not add up to the file: bytes were added or removed",
            code="size_mismatch",
        )
    for entry in sections if hash_sections else ():
        offset, length = offsets[entry["name"]]
        if _sha256_range(stream, offset, length) != entry["ciphertext_sha256"]:
            raise _changed(entry["name"])
    return Envelope(
        header=header,
        manifest=manifest,
        manifest_sha256=hashlib.sha256(canonical(manifest)).hexdigest(),
        signer=signer,
        chain=chain,
        offsets=offsets,
        trailer=trailer,
    )


def _json(data: bytes, code: str) -> dict:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise EnvelopeRefused("the envelope's JSON is malformed", code=code) from None
    if not isinstance(value, dict):
        raise EnvelopeRefused("the envelope's JSON is malformed", code=code)
    return value


def _check_suite(document: dict, what: str) -> None:
    """The one check of the ``format`` and ``suite`` a header or a manifest names: every reader
    (upload, ``bidhall seal verify``, the opening, ``bidhall open-key``, a record's excerpts)
    refuses one it does not know, even when the bidder signed it."""
    if document.get("format") != FORMAT:
        raise EnvelopeRefused(
            f"the {what} names an unsupported envelope format {document.get('format')!r}",
            code="unsupported_format",
        )
    if document.get("suite") != SUITE:
        raise EnvelopeRefused(
            f"the {what} names an unsupported algorithm suite {document.get('suite')!r}",
            code="unsupported_suite",
        )


def _check_header(header: dict) -> None:
    _check_suite(header, "header")
    try:
        assert isinstance(header["tender"]["id"], int)
        assert isinstance(header["tender"]["lot"], int)
        assert isinstance(header["chunk_size"], int) and 1024 <= header["chunk_size"] <= 64 << 20
        names = [s["name"] for s in header["sections"]]
        assert names == list(SECTIONS)
        for section in header["sections"]:
            assert len(unb64(section["nonce_prefix"])) == 7
            assert isinstance(section["holder"]["wrapped"], str)
            assert isinstance(section["custodians"]["threshold"], int)
            assert isinstance(section["custodians"]["shares"], list)
    except (AssertionError, KeyError, TypeError, ValueError):
        raise EnvelopeRefused(
            "the envelope header is missing a field or has a wrong one", code="malformed_header"
        ) from None


def _check_binding(header: dict, header_bytes: bytes, manifest: dict) -> None:
    """The header is the one the bidder signed: its exact (canonical) bytes hash to the
    manifest's ``header_sha256``, and both name the same tender."""
    header_sha256 = hashlib.sha256(header_bytes).hexdigest()
    if manifest.get("header_sha256") != header_sha256 or canonical(header) != header_bytes:
        raise EnvelopeRefused(
            "the header does not match the signed manifest", code="header_mismatch"
        )
    if manifest.get("tender_id") != header["tender"]["id"]:
        raise EnvelopeRefused("the manifest names another tender", code="header_mismatch")


def _check_trailer(trailer: dict) -> tuple[dict, x509.Certificate, list[x509.Certificate]]:
    try:
        manifest = trailer["manifest"]
        signature = unb64(trailer["signature"])
        signer = x509.load_pem_x509_certificate(trailer["signer"].encode())
        chain = [x509.load_pem_x509_certificate(p.encode()) for p in trailer.get("chain", [])]
        assert isinstance(manifest, dict)
    except (AssertionError, KeyError, TypeError, ValueError):
        raise EnvelopeRefused(
            "the envelope's signature block is malformed", code="malformed_trailer"
        ) from None
    # before the signature: the suite names the signature algorithm
    _check_suite(manifest, "manifest")
    public = signer.public_key()
    if not isinstance(public, Ed25519PublicKey):
        raise EnvelopeRefused(
            "the signer certificate must carry an Ed25519 signing key", code="bad_signature"
        )
    try:
        public.verify(signature, canonical(manifest))
    except InvalidSignature:
        raise EnvelopeRefused(
            "the manifest's signature does not verify with the signer's certificate",
            code="bad_signature",
        ) from None
    return manifest, signer, chain


def _changed(section: str) -> EnvelopeRefused:
    return EnvelopeRefused(
        f"section {section}: the ciphertext was changed after sealing (its SHA-256 differs "
        "from the signed manifest)",
        code="ciphertext_mismatch",
    )


def _sha256_range(stream: BinaryIO, offset: int, length: int) -> str:
    digest = hashlib.sha256()
    stream.seek(offset)
    buffer = bytearray(DEFAULT_CHUNK)
    view = memoryview(buffer)
    left = length
    while left:
        n = stream.readinto(view[: min(left, len(buffer))])
        if not n:
            break
        digest.update(view[:n])
        left -= n
    return digest.hexdigest()


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
    _check_header(header)  # a header handed out by a server, not read by ``inspect`` here
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
    digest = _BackgroundSha256() if verify else None
    offset, length = envelope.offsets[section]
    chunk_size = envelope.header["chunk_size"] + TAG
    prefix = unb64(envelope.section(section)["nonce_prefix"])
    aead = AESGCM(key)
    aad = _aad(section, envelope.manifest["header_sha256"])
    stream.seek(offset)
    index, left = 0, length
    while left > 0:
        size = min(chunk_size, left)
        data = stream.read(size)
        left -= size
        if digest is not None:
            digest.update(data)
        try:
            yield aead.decrypt(_nonce(prefix, index, left == 0), data, aad)
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
            raise _changed(section)


def check_key(stream: BinaryIO, envelope: Envelope, section: str, key: bytes) -> None:
    """Whether ``key`` decrypts and authenticates the whole section (the server's check of a key
    a bidder or the custodians hand in at the opening)."""
    for _ in open_section(stream, envelope, section, key):
        pass


def read_summary(stream: BinaryIO, envelope: Envelope, key: bytes) -> dict:
    data = b"".join(open_section(stream, envelope, "summary", key))
    return _json(data, "malformed_summary")


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
    header = _json(header_bytes, "malformed_header")
    _check_header(header)
    manifest, signer, chain = _check_trailer(trailer)
    _check_binding(header, header_bytes, manifest)
    sections = manifest.get("sections") or [{}]
    if sections[0].get("name") != "summary" or sections[0].get("ciphertext_bytes") != len(
        ciphertext
    ):
        raise _changed("summary")
    if hashlib.sha256(ciphertext).hexdigest() != sections[0].get("ciphertext_sha256"):
        raise _changed("summary")
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
    reader = _SectionReader(open_section(stream, envelope, "documents", key, verify=verify))
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


class _SectionReader(io.RawIOBase):
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
