"""A holder's keys, on the holder's side: the ``bidhall-key/1`` key file, the ``bidhall-certreq/1``
certificate request, and a PKCS#12 export for standard tools. No Flask, no database.

Every holder has two key pairs (the Chinese dual-certificate practice): an Ed25519 signing key
and an X25519 encryption key. PKCS#12 cannot hold an X25519 key, so the key file is our own small
JSON container, chosen so that a browser can open it with WebCrypto alone (PBKDF2-HMAC-SHA256,
AES-256-GCM, ``importKey("pkcs8", ...)`` for Ed25519 and X25519)::

    {"format": "bidhall-key/1",
     "kdf": {"name": "PBKDF2-HMAC-SHA256", "iterations": 600000, "salt": b64(16 bytes)},
     "cipher": {"name": "AES-256-GCM", "nonce": b64(12 bytes)},
     "ciphertext": b64(AES-GCM(key, nonce, plaintext, aad=canonical({format, kdf, cipher}))),
     "certificates": {"signing": PEM | null, "encryption": PEM | null, "chain": [PEM, ...]}}

    plaintext = canonical({"encryption_pkcs8": b64(DER), "signing_pkcs8": b64(DER)})
    key = PBKDF2-HMAC-SHA256(UTF-8(NFC(passphrase)), salt, iterations, 32 bytes)

docs/keys-and-certificates.md states every byte.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import os
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from bidhall.canonical import canonical as canonical_json_bytes
from bidhall.crypto.errors import CertificateRequestInvalid, KeyFileError

FORMAT = "bidhall-key/1"
REQUEST_FORMAT = "bidhall-certreq/1"
KDF_NAME = "PBKDF2-HMAC-SHA256"
CIPHER_NAME = "AES-256-GCM"
DEFAULT_ITERATIONS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256
MAX_ITERATIONS = 10_000_000  # a file asking for more would stall whoever opens it
SALT_BYTES = 16
NONCE_BYTES = 12
MIN_PASSPHRASE = 8
EXTENSION = ".bhkey"

_FILE_MEMBERS = {"format", "kdf", "cipher", "ciphertext", "certificates"}
_REQUEST_MEMBERS = {"format", "signing_public_key", "encryption_public_key", "signature"}


@dataclass
class KeyBundle:
    """A holder's two private keys and, once enrolled, their certificates and the CA chain
    (issuing CA first, root last)."""

    signing_key: Ed25519PrivateKey
    encryption_key: X25519PrivateKey
    signing_cert: x509.Certificate | None = None
    encryption_cert: x509.Certificate | None = None
    chain: list[x509.Certificate] = field(default_factory=list)

    def __repr__(self) -> str:  # never print key material, even in a traceback
        serial = self.signing_cert.serial_number if self.signing_cert else None
        return f"KeyBundle(signing_cert_serial={serial!r}, chain={len(self.chain)})"


# --- encodings ----------------------------------------------------------------------------------


canonical = canonical_json_bytes  # the platform's one canonical form (bidhall.canonical)


def b64(data: bytes) -> str:
    """Standard base64 (RFC 4648 §4) with padding."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("base64 text expected")
    return base64.b64decode(text.encode("ascii"), validate=True)


def raw_public_key(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_sha256(key: Ed25519PublicKey | X25519PublicKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key: how the registry recognises a key."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_certificate(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)


# --- the key bundle -----------------------------------------------------------------------------


def generate_bundle() -> KeyBundle:
    return KeyBundle(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())


def dump_bundle(
    bundle: KeyBundle, passphrase: str, *, iterations: int = DEFAULT_ITERATIONS
) -> bytes:
    """The ``bidhall-key/1`` file of ``bundle``, locked with ``passphrase`` (fresh salt and nonce
    on every call)."""
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise KeyFileError(
            f"a key file passphrase needs at least {MIN_PASSPHRASE} characters",
            code="weak_passphrase",
        )
    if not isinstance(iterations, int) or not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be 1 to {MAX_ITERATIONS}")
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = {
        "format": FORMAT,
        "kdf": {"name": KDF_NAME, "iterations": iterations, "salt": b64(salt)},
        "cipher": {"name": CIPHER_NAME, "nonce": b64(nonce)},
    }
    plaintext = canonical(
        {
            "signing_pkcs8": b64(_pkcs8(bundle.signing_key)),
            "encryption_pkcs8": b64(_pkcs8(bundle.encryption_key)),
        }
    )
    key = _derive(passphrase, salt, iterations)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, canonical(header))
    document = {
        **header,
        "ciphertext": b64(ciphertext),
        "certificates": {
            "signing": certificate_pem(bundle.signing_cert) if bundle.signing_cert else None,
            "encryption": (
                certificate_pem(bundle.encryption_cert) if bundle.encryption_cert else None
            ),
            "chain": [certificate_pem(cert) for cert in bundle.chain],
        },
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def load_bundle(data: bytes, passphrase: str) -> KeyBundle:
    """Open a ``bidhall-key/1`` file. ``bad_passphrase`` when the passphrase is wrong (or the
    encrypted part was altered: AES-GCM cannot tell the two apart); ``invalid_key_file`` when the
    file is not an intact key file or its certificates do not fit its keys."""
    document = _parse(data)
    header = {name: document[name] for name in ("format", "kdf", "cipher")}
    kdf, cipher = document["kdf"], document["cipher"]
    try:
        salt, nonce = unb64(kdf["salt"]), unb64(cipher["nonce"])
        ciphertext = unb64(document["ciphertext"])
    except (ValueError, binascii.Error):
        raise _invalid("a salt, nonce or ciphertext is not base64") from None
    if len(salt) < 8 or len(nonce) != NONCE_BYTES:
        raise _invalid("the salt or the nonce has the wrong length")
    key = _derive(passphrase or "", salt, kdf["iterations"])
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, canonical(header))
    except InvalidTag:
        raise KeyFileError(
            "the passphrase is wrong (or the key file's encrypted part was altered)",
            code="bad_passphrase",
        ) from None
    try:
        secrets = json.loads(plaintext)
        signing_key = serialization.load_der_private_key(unb64(secrets["signing_pkcs8"]), None)
        encryption_key = serialization.load_der_private_key(
            unb64(secrets["encryption_pkcs8"]), None
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _invalid("the decrypted keys are malformed") from None
    if not isinstance(signing_key, Ed25519PrivateKey) or not isinstance(
        encryption_key, X25519PrivateKey
    ):
        raise _invalid("the keys are not an Ed25519 signing key and an X25519 encryption key")
    signing_cert, encryption_cert, chain = _certificates(document)
    bundle = KeyBundle(signing_key, encryption_key, signing_cert, encryption_cert, chain)
    try:
        _check_certificates(bundle)
    except KeyFileError as error:
        raise _invalid(error.message) from None
    return bundle


def read_certificates(
    data: bytes,
) -> tuple[x509.Certificate | None, x509.Certificate | None, list[x509.Certificate]]:
    """The certificates of a key file, read without the passphrase (they are public)."""
    return _certificates(_parse(data))


def key_file_iterations(data: bytes) -> int:
    """The PBKDF2 iteration count a key file was written with (to keep it when rewriting)."""
    return _parse(data)["kdf"]["iterations"]


def save_bundle(
    path: str | Path,
    bundle: KeyBundle,
    passphrase: str,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    overwrite: bool = False,
) -> Path:
    """Write the key file with mode 0600. A new file never replaces an existing one unless
    ``overwrite`` (then atomically: the old file stays whole until the new one is complete)."""
    path = Path(path)
    data = dump_bundle(bundle, passphrase, iterations=iterations)
    if overwrite:
        # mkstemp makes the file with mode 0600 beside its final place
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    else:
        write_private_file(path, data)
    return path


def open_bundle(path: str | Path, passphrase: str) -> KeyBundle:
    return load_bundle(read_key_file(path), passphrase)


def read_key_file(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"no key file {path}", code="no_key_file") from None


# --- the certificate request --------------------------------------------------------------------


def certificate_request(bundle: KeyBundle) -> dict[str, str]:
    """A ``bidhall-certreq/1`` request: both public keys, signed by the signing key (proof of
    possession; a PKCS#10 CSR could not carry the X25519 key, which cannot sign)."""
    body = {
        "format": REQUEST_FORMAT,
        "signing_public_key": b64(raw_public_key(bundle.signing_key.public_key())),
        "encryption_public_key": b64(raw_public_key(bundle.encryption_key.public_key())),
    }
    return {**body, "signature": b64(bundle.signing_key.sign(canonical(body)))}


def verify_certificate_request(request: Any) -> tuple[Ed25519PublicKey, X25519PublicKey]:
    """The two public keys of a request whose proof of possession holds."""
    if not isinstance(request, Mapping) or set(request) != _REQUEST_MEMBERS:
        raise CertificateRequestInvalid(
            "a certificate request is a JSON object with exactly the members "
            + ", ".join(sorted(_REQUEST_MEMBERS))
        )
    if request["format"] != REQUEST_FORMAT:
        raise CertificateRequestInvalid(f"the request format must be {REQUEST_FORMAT!r}")
    try:
        signing = Ed25519PublicKey.from_public_bytes(unb64(request["signing_public_key"]))
        encryption = X25519PublicKey.from_public_bytes(unb64(request["encryption_public_key"]))
        signature = unb64(request["signature"])
    except (ValueError, binascii.Error):
        raise CertificateRequestInvalid(
            "the public keys must be 32 raw bytes and the signature 64, each in base64"
        ) from None
    try:
        # a low-order point would make every key agreement with it fail (or be guessable)
        X25519PrivateKey.generate().exchange(encryption)
    except ValueError:
        raise CertificateRequestInvalid("the encryption public key is not usable") from None
    body = {name: request[name] for name in _REQUEST_MEMBERS - {"signature"}}
    try:
        signing.verify(signature, canonical(body))
    except InvalidSignature:
        raise CertificateRequestInvalid(
            "the request's signature does not verify with its signing key",
            code="bad_proof_of_possession",
        ) from None
    return signing, encryption


def install_certificates(bundle: KeyBundle, answer: Mapping[str, Any]) -> KeyBundle:
    """``bundle`` with the certificates of an enrolment answer (``POST /api/certificates``):
    refused unless they certify this bundle's keys and chain up to a self-signed root."""
    try:
        signing = load_certificate(answer["signing"])
        encryption = load_certificate(answer["encryption"])
        chain = [load_certificate(pem) for pem in answer["chain"]]
    except (KeyError, TypeError, ValueError):
        raise KeyFileError(
            "the enrolment answer needs PEM certificates under signing, encryption and chain",
            code="invalid_answer",
        ) from None
    updated = dataclasses.replace(
        bundle, signing_cert=signing, encryption_cert=encryption, chain=chain
    )
    _check_certificates(updated, require_chain=True)
    return updated


# --- PKCS#12 ------------------------------------------------------------------------------------


def export_pkcs12(
    bundle: KeyBundle,
    passphrase: str,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    name: str | None = None,
) -> bytes:
    """A PKCS#12 file for standard tools: the signing key with its certificate, plus the
    encryption certificate and the chain (PKCS#12 cannot hold the X25519 key itself)."""
    if bundle.signing_cert is None or bundle.encryption_cert is None:
        raise KeyFileError(
            "the key file holds no certificates yet: enroll first", code="not_enrolled"
        )
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise KeyFileError(
            f"a PKCS#12 passphrase needs at least {MIN_PASSPHRASE} characters",
            code="weak_passphrase",
        )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(iterations)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(_passphrase_bytes(passphrase))
    )
    friendly = name or _common_name(bundle.signing_cert) or "bidhall"
    return pkcs12.serialize_key_and_certificates(
        friendly.encode("utf-8"),
        bundle.signing_key,
        bundle.signing_cert,
        [bundle.encryption_cert, *bundle.chain],
        encryption,
    )


# --- internals ----------------------------------------------------------------------------------


def _pkcs8(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _passphrase_bytes(passphrase: str) -> bytes:
    # NFC so that the same passphrase typed on another system (or in a browser) gives the same key
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, salt: bytes, iterations: int) -> bytes:
    return PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(_passphrase_bytes(passphrase))


def _invalid(reason: str) -> KeyFileError:
    return KeyFileError(f"not an intact {FORMAT} key file: {reason}", code="invalid_key_file")


def _parse(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("it is not JSON") from None
    if not isinstance(document, dict) or set(document) != _FILE_MEMBERS:
        raise _invalid("the members must be " + ", ".join(sorted(_FILE_MEMBERS)))
    if document["format"] != FORMAT:
        raise _invalid(f"its format is {document['format']!r}")
    kdf, cipher = document["kdf"], document["cipher"]
    if (
        not isinstance(kdf, dict)
        or set(kdf) != {"name", "iterations", "salt"}
        or kdf["name"] != KDF_NAME
        or type(kdf["iterations"]) is not int
        or not 1 <= kdf["iterations"] <= MAX_ITERATIONS
    ):
        raise _invalid(f"kdf must be {KDF_NAME} with 1 to {MAX_ITERATIONS} iterations and a salt")
    if not isinstance(cipher, dict) or set(cipher) != {"name", "nonce"}:
        raise _invalid(f"cipher must be {CIPHER_NAME} with a nonce")
    if cipher["name"] != CIPHER_NAME:
        raise _invalid(f"cipher must be {CIPHER_NAME}")
    certificates = document["certificates"]
    if (
        not isinstance(certificates, dict)
        or set(certificates) != {"signing", "encryption", "chain"}
        or not isinstance(certificates["chain"], list)
    ):
        raise _invalid("certificates must hold signing, encryption and chain")
    return document


def _certificates(
    document: dict[str, Any],
) -> tuple[x509.Certificate | None, x509.Certificate | None, list[x509.Certificate]]:
    certificates = document["certificates"]
    try:
        signing = certificates["signing"] and load_certificate(certificates["signing"])
        encryption = certificates["encryption"] and load_certificate(certificates["encryption"])
        chain = [load_certificate(pem) for pem in certificates["chain"]]
    except (ValueError, TypeError, AttributeError):
        raise _invalid("a certificate is not a PEM X.509 certificate") from None
    return signing or None, encryption or None, chain


def _check_certificates(bundle: KeyBundle, *, require_chain: bool = False) -> None:
    pairs = (
        (bundle.signing_cert, bundle.signing_key, "signing"),
        (bundle.encryption_cert, bundle.encryption_key, "encryption"),
    )
    for cert, key, purpose in pairs:
        if cert is None:
            continue
        try:
            certified = raw_public_key(cert.public_key())
        except (ValueError, TypeError, AttributeError):
            certified = b""
        if certified != raw_public_key(key.public_key()):
            raise KeyFileError(
                f"the {purpose} certificate is not for this key file's {purpose} key",
                code="certificate_mismatch",
            )
    if not bundle.chain:
        if require_chain:
            raise KeyFileError("the answer carries no CA chain", code="invalid_chain")
        return
    try:
        for cert in (bundle.signing_cert, bundle.encryption_cert):
            if cert is not None:
                cert.verify_directly_issued_by(bundle.chain[0])
        for child, parent in zip(bundle.chain, bundle.chain[1:], strict=False):
            child.verify_directly_issued_by(parent)
        bundle.chain[-1].verify_directly_issued_by(bundle.chain[-1])
    except (ValueError, TypeError, InvalidSignature):
        raise KeyFileError(
            "the certificates do not chain up to a self-signed root", code="invalid_chain"
        ) from None


def _common_name(cert: x509.Certificate) -> str | None:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def write_private_file(path: str | Path, data: bytes) -> None:
    """Write a new file readable only by its owner (mode 0600); never replaces a file."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} exists already", code="key_file_exists") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
