"""The constants of bidhall-seal/1 (docs/seal-format.md), its refusal, and the chunk nonce and
associated data that bind every chunk to its place."""

from __future__ import annotations

import struct

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


U32 = struct.Struct(">I")


class EnvelopeRefused(InvalidInput):
    """The file is not an intact, well-formed envelope; ``code`` says exactly why."""

    code = "invalid_envelope"


def chunk_nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + U32.pack(index) + (b"\x01" if last else b"\x00")


def chunk_aad(section: str, header_sha256: str) -> bytes:
    return f"{FORMAT}|{section}|{header_sha256}".encode()
