"""The platform's verifiable lottery, shared by the expert draw and the award lottery: commit to
a secret seed by publishing its SHA-256, later reveal the seed; the order is then anyone's to
recompute. Pure, standard library only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable


def new_seed() -> bytes:
    """A secret 32-byte seed."""
    return secrets.token_bytes(32)


def seed_sha256(seed: bytes) -> str:
    """The commitment to a seed: SHA-256 of its 32 raw bytes, lowercase hex."""
    return hashlib.sha256(seed).hexdigest()


def rank(seed: bytes, label: str, ids: Iterable[int]) -> list[int]:
    """``ids`` in the lottery's order: sorted by HMAC-SHA256(key=seed, message=UTF-8 of
    "{label}|{id}"), the id breaking a (never seen) tie."""

    def key(item: int) -> tuple[bytes, int]:
        return hmac.new(seed, f"{label}|{item}".encode(), hashlib.sha256).digest(), item

    return sorted(ids, key=key)
