"""Holders with key files and certificates, made through the real services. Key files use a low
PBKDF2 iteration count (the parameter every writer takes); the default stays 600000."""

from __future__ import annotations

from tests.fixtures.pki import ITERATIONS, PASSPHRASE, Holder  # noqa: F401
