"""Sealing: the bidder's side. Streams each section through AES-256-GCM in fixed-size chunks, wraps
and splits its keys, and signs the manifest of ciphertext hashes."""

from __future__ import annotations

import hashlib
import io
import os
import queue
import tarfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bidhall.crypto.keys import b64, canonical
from bidhall.envelope.format import (
    DEFAULT_CHUNK,
    END_MAGIC,
    FORMAT,
    MAGIC,
    MAX_HEADER,
    SECTIONS,
    SUITE,
    U32,
    chunk_aad,
    chunk_nonce,
)
from bidhall.envelope.keys import split_key, wrap_context, wrap_key
from bidhall.errors import InvalidInput

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
    out.write(MAGIC + U32.pack(len(header_bytes)) + header_bytes)
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
    out.write(trailer_bytes + U32.pack(len(trailer_bytes)) + END_MAGIC)
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


class BackgroundSha256:
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
        self.chunk_aad = chunk_aad(section, header_sha256)
        self._size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._digest = BackgroundSha256()
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
        sealed = self._aead.encrypt(
            chunk_nonce(self._prefix, self._index, last), chunk, self.chunk_aad
        )
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
