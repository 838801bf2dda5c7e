"""Reading an envelope without any key: structure, suite, header binding, the signed trailer and
the ciphertext hashes (what the server checks at upload)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bidhall.crypto.keys import canonical, unb64
from bidhall.envelope.format import (
    DEFAULT_CHUNK,
    END_MAGIC,
    FORMAT,
    MAGIC,
    MAX_HEADER,
    MAX_TRAILER,
    SECTIONS,
    SUITE,
    TAG,
    U32,
    EnvelopeRefused,
)

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
    header_length = U32.unpack(stream.read(4))[0]
    if header_length > min(MAX_HEADER, total):
        raise EnvelopeRefused("the envelope header is malformed", code="malformed_header")
    header_bytes = stream.read(header_length)
    header = parse_json(header_bytes, "malformed_header")
    stream.seek(total - len(END_MAGIC) - 4)
    trailer_length = U32.unpack(stream.read(4))[0]
    if stream.read(len(END_MAGIC)) != END_MAGIC:
        raise EnvelopeRefused(
            "the envelope is truncated: its end marker is missing", code="truncated"
        )
    trailer_start = total - len(END_MAGIC) - 4 - trailer_length
    body_start = len(MAGIC) + 4 + header_length
    if trailer_length > MAX_TRAILER or trailer_start < body_start:
        raise EnvelopeRefused("the envelope trailer is malformed", code="malformed_trailer")
    stream.seek(trailer_start)
    trailer = parse_json(stream.read(trailer_length), "malformed_trailer")
    check_header(header)
    manifest, signer, chain = check_trailer(trailer)
    check_binding(header, header_bytes, manifest)
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
            raise section_changed(entry["name"])
    return Envelope(
        header=header,
        manifest=manifest,
        manifest_sha256=hashlib.sha256(canonical(manifest)).hexdigest(),
        signer=signer,
        chain=chain,
        offsets=offsets,
        trailer=trailer,
    )


def parse_json(data: bytes, code: str) -> dict:
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


def check_header(header: dict) -> None:
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


def check_binding(header: dict, header_bytes: bytes, manifest: dict) -> None:
    """The header is the one the bidder signed: its exact (canonical) bytes hash to the
    manifest's ``header_sha256``, and both name the same tender."""
    header_sha256 = hashlib.sha256(header_bytes).hexdigest()
    if manifest.get("header_sha256") != header_sha256 or canonical(header) != header_bytes:
        raise EnvelopeRefused(
            "the header does not match the signed manifest", code="header_mismatch"
        )
    if manifest.get("tender_id") != header["tender"]["id"]:
        raise EnvelopeRefused("the manifest names another tender", code="header_mismatch")


def check_trailer(trailer: dict) -> tuple[dict, x509.Certificate, list[x509.Certificate]]:
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


def section_changed(section: str) -> EnvelopeRefused:
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
