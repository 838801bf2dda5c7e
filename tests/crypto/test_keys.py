"""The holder's side, offline: the bidhall-key/1 file, the certificate request, PKCS#12 export.
No app, no database: a throw-away CA in a temporary folder certifies the keys."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from bidhall.crypto import ca, keys
from bidhall.crypto.errors import CertificateRequestInvalid, KeyFileError
from tests.crypto.conftest import ITERATIONS, PASSPHRASE

NOW = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)


def certified(bundle: keys.KeyBundle, authority: ca.Authority) -> keys.KeyBundle:
    """``bundle`` with certificates from ``authority``, installed as an enrolment answer is."""
    answer = {"chain": [keys.certificate_pem(cert) for cert in authority.chain]}
    for purpose, key in (
        ("signing", bundle.signing_key.public_key()),
        ("encryption", bundle.encryption_key.public_key()),
    ):
        cert = ca.issue(
            authority.issuing_cert,
            authority.issuing_key,
            key,
            subject=ca.holder_name("alice", "Alice Works Ltd"),
            uris=["urn:bidhall:user:7", "urn:bidhall:org:3"],
            purpose=purpose,
            not_before=NOW,
            not_after=NOW + timedelta(days=730),
        )
        answer[purpose] = keys.certificate_pem(cert)
    return keys.install_certificates(bundle, answer)


@pytest.fixture
def authority(tmp_path):
    return ca.init_ca(tmp_path / "ca", None, NOW)


def raw_private(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def test_a_key_file_opens_with_its_passphrase_to_the_same_keys_and_certificates(authority):
    bundle = certified(keys.generate_bundle(), authority)
    opened = keys.load_bundle(
        keys.dump_bundle(bundle, PASSPHRASE, iterations=ITERATIONS), PASSPHRASE
    )
    assert raw_private(opened.signing_key) == raw_private(bundle.signing_key)
    assert raw_private(opened.encryption_key) == raw_private(bundle.encryption_key)
    assert opened.signing_cert == bundle.signing_cert
    assert opened.encryption_cert == bundle.encryption_cert
    assert opened.chain == authority.chain


def test_a_key_file_without_certificates_round_trips_too():
    bundle = keys.generate_bundle()
    opened = keys.load_bundle(
        keys.dump_bundle(bundle, PASSPHRASE, iterations=ITERATIONS), PASSPHRASE
    )
    assert raw_private(opened.signing_key) == raw_private(bundle.signing_key)
    assert (opened.signing_cert, opened.encryption_cert, opened.chain) == (None, None, [])


def test_the_default_key_file_uses_600000_pbkdf2_iterations():
    data = keys.dump_bundle(keys.generate_bundle(), PASSPHRASE)
    assert json.loads(data)["kdf"]["iterations"] == 600_000 == keys.DEFAULT_ITERATIONS


def test_a_wrong_passphrase_is_refused_as_bad_passphrase():
    data = keys.dump_bundle(keys.generate_bundle(), PASSPHRASE, iterations=ITERATIONS)
    with pytest.raises(KeyFileError) as refused:
        keys.load_bundle(data, "not the passphrase")
    assert refused.value.code == "bad_passphrase"


def test_a_flipped_byte_in_the_encrypted_keys_is_refused():
    data = keys.dump_bundle(keys.generate_bundle(), PASSPHRASE, iterations=ITERATIONS)
    document = json.loads(data)
    ciphertext = bytearray(base64.b64decode(document["ciphertext"]))
    ciphertext[5] ^= 0x01
    document["ciphertext"] = base64.b64encode(bytes(ciphertext)).decode()
    with pytest.raises(KeyFileError) as refused:
        keys.load_bundle(json.dumps(document).encode(), PASSPHRASE)
    # AES-GCM cannot tell a wrong passphrase from altered ciphertext; the message says both
    assert refused.value.code == "bad_passphrase"
    assert "altered" in refused.value.message


def test_a_changed_header_is_refused_because_it_is_authenticated():
    data = keys.dump_bundle(keys.generate_bundle(), PASSPHRASE, iterations=ITERATIONS)
    document = json.loads(data)
    document["cipher"]["nonce"] = base64.b64encode(b"\x00" * 12).decode()
    with pytest.raises(KeyFileError):
        keys.load_bundle(json.dumps(document).encode(), PASSPHRASE)


def test_a_flipped_byte_in_a_certificate_is_refused_as_an_invalid_key_file(authority):
    bundle = certified(keys.generate_bundle(), authority)
    document = json.loads(keys.dump_bundle(bundle, PASSPHRASE, iterations=ITERATIONS))
    pem = document["certificates"]["signing"]
    body = pem.splitlines()
    line = body[3]
    body[3] = line[:10] + ("A" if line[10] != "A" else "B") + line[11:]
    document["certificates"]["signing"] = "\n".join(body) + "\n"
    with pytest.raises(KeyFileError) as refused:
        keys.load_bundle(json.dumps(document).encode(), PASSPHRASE)
    assert refused.value.code == "invalid_key_file"


def test_a_certificate_of_another_key_in_the_key_file_is_refused(authority):
    mine = certified(keys.generate_bundle(), authority)
    theirs = certified(keys.generate_bundle(), authority)
    document = json.loads(keys.dump_bundle(mine, PASSPHRASE, iterations=ITERATIONS))
    document["certificates"]["encryption"] = keys.certificate_pem(theirs.encryption_cert)
    with pytest.raises(KeyFileError) as refused:
        keys.load_bundle(json.dumps(document).encode(), PASSPHRASE)
    assert refused.value.code == "invalid_key_file"


@pytest.mark.parametrize(
    "data",
    [b"", b"not json", b"[]", b'{"format": "bidhall-key/2"}', "密钥".encode("gbk")],
)
def test_what_is_not_a_key_file_is_refused_as_invalid(data):
    with pytest.raises(KeyFileError) as refused:
        keys.load_bundle(data, PASSPHRASE)
    assert refused.value.code == "invalid_key_file"


def test_a_short_passphrase_is_refused_when_writing():
    with pytest.raises(KeyFileError) as refused:
        keys.dump_bundle(keys.generate_bundle(), "short", iterations=ITERATIONS)
    assert refused.value.code == "weak_passphrase"


def test_the_container_is_exactly_as_documented():
    """Decrypt with nothing but the documented recipe (what the browser does with WebCrypto)."""
    bundle = keys.generate_bundle()
    document = json.loads(keys.dump_bundle(bundle, PASSPHRASE, iterations=ITERATIONS))
    assert list(document) == ["format", "kdf", "cipher", "ciphertext", "certificates"]
    kdf, cipher = document["kdf"], document["cipher"]
    assert kdf["name"] == "PBKDF2-HMAC-SHA256" and cipher["name"] == "AES-256-GCM"
    key = PBKDF2HMAC(SHA256(), 32, base64.b64decode(kdf["salt"]), kdf["iterations"]).derive(
        PASSPHRASE.encode("utf-8")
    )
    nonce, iterations, salt = cipher["nonce"], kdf["iterations"], kdf["salt"]
    aad = (
        f'{{"cipher":{{"name":"AES-256-GCM","nonce":"{nonce}"}},"format":"bidhall-key/1",'
        f'"kdf":{{"iterations":{iterations},"name":"PBKDF2-HMAC-SHA256","salt":"{salt}"}}}}'
    ).encode()
    plaintext = AESGCM(key).decrypt(
        base64.b64decode(nonce), base64.b64decode(document["ciphertext"]), aad
    )
    secrets = json.loads(plaintext)
    encryption_pkcs8, signing_pkcs8 = secrets["encryption_pkcs8"], secrets["signing_pkcs8"]
    expected = f'{{"encryption_pkcs8":"{encryption_pkcs8}","signing_pkcs8":"{signing_pkcs8}"}}'
    assert plaintext == expected.encode()
    signing = serialization.load_der_private_key(base64.b64decode(secrets["signing_pkcs8"]), None)
    assert raw_private(signing) == raw_private(bundle.signing_key)


def test_a_saved_key_file_is_readable_only_by_its_owner_and_never_overwritten(tmp_path):
    path = tmp_path / "me.bhkey"
    keys.save_bundle(path, keys.generate_bundle(), PASSPHRASE, iterations=ITERATIONS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(KeyFileError) as refused:
        keys.save_bundle(path, keys.generate_bundle(), PASSPHRASE, iterations=ITERATIONS)
    assert refused.value.code == "key_file_exists"
    keys.save_bundle(
        path, keys.generate_bundle(), PASSPHRASE, iterations=ITERATIONS, overwrite=True
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.open_bundle(path, PASSPHRASE) is not None


def test_a_certificate_request_proves_possession_of_the_signing_key():
    bundle = keys.generate_bundle()
    signing, encryption = keys.verify_certificate_request(keys.certificate_request(bundle))
    assert keys.raw_public_key(signing) == keys.raw_public_key(bundle.signing_key.public_key())
    assert keys.raw_public_key(encryption) == keys.raw_public_key(
        bundle.encryption_key.public_key()
    )


def test_a_request_with_a_swapped_encryption_key_is_refused():
    request = keys.certificate_request(keys.generate_bundle())
    other = keys.certificate_request(keys.generate_bundle())
    request["encryption_public_key"] = other["encryption_public_key"]
    with pytest.raises(CertificateRequestInvalid) as refused:
        keys.verify_certificate_request(request)
    assert refused.value.code == "bad_proof_of_possession"


def test_a_request_signed_by_another_key_is_refused():
    request = keys.certificate_request(keys.generate_bundle())
    request["signature"] = keys.certificate_request(keys.generate_bundle())["signature"]
    with pytest.raises(CertificateRequestInvalid) as refused:
        keys.verify_certificate_request(request)
    assert refused.value.code == "bad_proof_of_possession"


@pytest.mark.parametrize(
    "change",
    [
        {"format": "bidhall-certreq/0"},
        {"signing_public_key": "not base64!"},
        {"encryption_public_key": base64.b64encode(b"short").decode()},
        {"extra": "member"},
        {"encryption_public_key": base64.b64encode(bytes(32)).decode()},  # a low-order point
    ],
)
def test_a_malformed_request_is_refused(change):
    request = keys.certificate_request(keys.generate_bundle()) | change
    with pytest.raises(CertificateRequestInvalid) as refused:
        keys.verify_certificate_request(request)
    assert refused.value.code == "invalid_certificate_request"


def test_certificates_of_other_keys_are_not_installed(authority):
    mine, theirs = keys.generate_bundle(), certified(keys.generate_bundle(), authority)
    answer = {
        "signing": keys.certificate_pem(theirs.signing_cert),
        "encryption": keys.certificate_pem(theirs.encryption_cert),
        "chain": [keys.certificate_pem(cert) for cert in authority.chain],
    }
    with pytest.raises(KeyFileError) as refused:
        keys.install_certificates(mine, answer)
    assert refused.value.code == "certificate_mismatch"


def test_certificates_with_a_foreign_chain_are_not_installed(authority, tmp_path):
    bundle = certified(keys.generate_bundle(), authority)
    foreign = ca.init_ca(tmp_path / "foreign", None, NOW)
    answer = {
        "signing": keys.certificate_pem(bundle.signing_cert),
        "encryption": keys.certificate_pem(bundle.encryption_cert),
        "chain": [keys.certificate_pem(cert) for cert in foreign.chain],
    }
    with pytest.raises(KeyFileError) as refused:
        keys.install_certificates(bundle, answer)
    assert refused.value.code == "invalid_chain"


def test_the_pkcs12_export_loads_with_standard_tools(authority):
    bundle = certified(keys.generate_bundle(), authority)
    data = keys.export_pkcs12(bundle, PASSPHRASE, iterations=ITERATIONS)
    key, cert, others = pkcs12.load_key_and_certificates(data, PASSPHRASE.encode())
    assert raw_private(key) == raw_private(bundle.signing_key)
    assert cert == bundle.signing_cert
    assert others == [bundle.encryption_cert, *authority.chain]


def test_a_key_file_without_certificates_cannot_be_exported():
    with pytest.raises(KeyFileError) as refused:
        keys.export_pkcs12(keys.generate_bundle(), PASSPHRASE, iterations=ITERATIONS)
    assert refused.value.code == "not_enrolled"


def test_a_bundle_never_shows_its_keys_when_printed(authority):
    bundle = certified(keys.generate_bundle(), authority)
    secret = base64.b64encode(raw_private(bundle.signing_key)).decode()
    assert secret not in repr(bundle) and raw_private(bundle.signing_key).hex() not in repr(bundle)
