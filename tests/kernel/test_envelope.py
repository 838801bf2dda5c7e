"""The bidhall-seal/1 envelope, as pure cryptography: round trips and every tampering case."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import struct
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.x509.oid import NameOID

from bidhall.crypto.keys import b64, canonical
from bidhall.envelope import format as envelope_format
from bidhall.envelope import keys as envelope_keys
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import sealing
from bidhall.envelope import unsealing as E

CHUNK = 1024  # small chunks so a few KiB make many of them


def make_cert(public_key, name: str, issuer_key) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(issuer_key, None)
    )


class Party:
    def __init__(self, name: str, ca) -> None:
        self.signing = ed25519.Ed25519PrivateKey.generate()
        self.encryption = x25519.X25519PrivateKey.generate()
        self.signing_cert = make_cert(self.signing.public_key(), name, ca)
        self.encryption_cert = make_cert(self.encryption.public_key(), name + "-enc", ca)


@pytest.fixture(scope="module")
def ca():
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def bidder(ca):
    return Party("bidder", ca)


@pytest.fixture(scope="module")
def custodians(ca):
    return [Party(f"custodian{i}", ca) for i in range(3)]


@pytest.fixture
def documents(tmp_path) -> Path:
    root = tmp_path / "bid"
    (root / "technical").mkdir(parents=True)
    (root / "price-schedule.xlsx").write_bytes(bytes(range(256)) * 20)
    (root / "technical" / "plan.pdf").write_bytes(b"%PDF-1.7 construction plan\n" * 300)
    return root


SUMMARY = {"price": "10350000.00", "duration_days": 540, "quality": "qualified"}


def seal_bytes(bidder, custodians, documents, tender_id=42, summary=SUMMARY) -> bytes:
    target = sealing.SealTarget(
        tender_id,
        f"BH-2026-{tender_id:05d}",
        [c.encryption_cert for c in custodians],
        2,
        chunk_size=CHUNK,
    )
    sealer = sealing.Sealer(bidder.signing, bidder.signing_cert, bidder.encryption_cert)
    out = io.BytesIO()
    sealing.seal(
        out,
        target,
        sealer,
        summary,
        documents,
        "I commit to honest bidding.",
        "2026-03-01T01:30:00Z",
    )
    return out.getvalue()


def parts(data: bytes):
    """Split an envelope into header bytes, the two sections' chunks, and the trailer."""
    envelope = envelope_reading.inspect(io.BytesIO(data))
    header_length = struct.unpack(">I", data[8:12])[0]
    header = data[12 : 12 + header_length]
    sections = {}
    for name, (offset, length) in envelope.offsets.items():
        body = data[offset : offset + length]
        step = CHUNK + envelope_format.TAG
        sections[name] = [body[i : i + step] for i in range(0, len(body), step)]
    return envelope, header, sections


def reassemble(signer, header: bytes, sections: dict, tender_id: int = 42) -> bytes:
    """Rebuild an envelope around changed sections and sign a matching manifest, as a forger
    holding a signing key would: only the chunk construction can then catch the change."""
    manifest = {
        "format": envelope_format.FORMAT,
        "suite": envelope_format.SUITE,
        "tender_id": tender_id,
        "header_sha256": hashlib.sha256(header).hexdigest(),
        "sections": [],
    }
    body = b""
    for name in envelope_format.SECTIONS:
        data = b"".join(sections[name])
        manifest["sections"].append(
            {
                "name": name,
                "chunks": len(sections[name]),
                "ciphertext_bytes": len(data),
                "ciphertext_sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        body += data
    from cryptography.hazmat.primitives import serialization

    trailer = canonical(
        {
            "manifest": manifest,
            "chain": [],
            "signature": b64(signer.signing.sign(canonical(manifest))),
            "signer": signer.signing_cert.public_bytes(serialization.Encoding.PEM).decode(),
        }
    )
    return (
        envelope_format.MAGIC
        + struct.pack(">I", len(header))
        + header
        + body
        + trailer
        + struct.pack(">I", len(trailer))
        + envelope_format.END_MAGIC
    )


def open_documents(data: bytes, bidder) -> None:
    stream = io.BytesIO(data)
    envelope = envelope_reading.inspect(stream)
    key = E.unwrap_for_holder(envelope, "documents", bidder.encryption)
    E.check_key(stream, envelope, "documents", key)


# --- round trips --------------------------------------------------------------------------------


def test_the_bidder_reads_back_its_summary_with_its_own_key(bidder, custodians, documents):
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    envelope = envelope_reading.inspect(stream)
    key = E.unwrap_for_holder(envelope, "summary", bidder.encryption)
    assert E.read_summary(stream, envelope, key) == SUMMARY


def test_the_documents_come_back_byte_for_byte(bidder, custodians, documents, tmp_path):
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    envelope = envelope_reading.inspect(stream)
    key = E.unwrap_for_holder(envelope, "documents", bidder.encryption)
    names = E.extract_documents(stream, envelope, key, tmp_path / "opened")
    assert sorted(names) == ["price-schedule.xlsx", "technical/plan.pdf"]
    for name in names:
        assert (tmp_path / "opened" / name).read_bytes() == (documents / name).read_bytes()


def test_any_two_custodians_recover_the_data_key(bidder, custodians, documents):
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    envelope = envelope_reading.inspect(stream)
    for pair in ((0, 1), (0, 2), (1, 2)):
        shares = [
            E.unwrap_share(
                envelope,
                "summary",
                custodians[i].encryption,
                envelope_keys.fingerprint(custodians[i].encryption_cert),
            )
            for i in pair
        ]
        assert E.read_summary(stream, envelope, envelope_keys.combine_shares(shares)) == SUMMARY


def test_one_custodian_share_alone_does_not_decrypt(bidder, custodians, documents):
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    envelope = envelope_reading.inspect(stream)
    x, share = E.unwrap_share(
        envelope,
        "summary",
        custodians[0].encryption,
        envelope_keys.fingerprint(custodians[0].encryption_cert),
    )
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        E.check_key(stream, envelope, "summary", envelope_keys.combine_shares([(x, share)]))
    assert refused.value.code == "decryption_failed"


def test_an_empty_documents_folder_seals_and_opens(bidder, custodians, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    stream = io.BytesIO(seal_bytes(bidder, custodians, empty))
    envelope = envelope_reading.inspect(stream)
    key = E.unwrap_for_holder(envelope, "documents", bidder.encryption)
    assert E.extract_documents(stream, envelope, key, tmp_path / "out") == []


def test_sections_have_independent_keys(bidder, custodians, documents):
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    envelope = envelope_reading.inspect(stream)
    summary_key = E.unwrap_for_holder(envelope, "summary", bidder.encryption)
    with pytest.raises(envelope_format.EnvelopeRefused):
        E.check_key(stream, envelope, "documents", summary_key)


def test_no_plaintext_appears_in_the_envelope(bidder, custodians, documents):
    data = seal_bytes(bidder, custodians, documents)
    assert b"10350000" not in data
    assert b"construction plan" not in data
    assert hashlib.sha256(canonical(SUMMARY)).hexdigest().encode() not in data


def test_the_manifest_names_the_tender_and_hashes_only_ciphertext(bidder, custodians, documents):
    envelope = envelope_reading.inspect(
        io.BytesIO(seal_bytes(bidder, custodians, documents, tender_id=7))
    )
    assert envelope.tender_id == 7
    assert set(envelope.manifest["sections"][0]) == {
        "name",
        "chunks",
        "ciphertext_bytes",
        "ciphertext_sha256",
    }


# --- tampering, caught by the signed manifest ---------------------------------------------------


def test_a_flipped_ciphertext_byte_is_refused(bidder, custodians, documents):
    data = bytearray(seal_bytes(bidder, custodians, documents))
    envelope = envelope_reading.inspect(io.BytesIO(bytes(data)))
    data[envelope.offsets["documents"][0] + 100] ^= 0x01
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        envelope_reading.inspect(io.BytesIO(bytes(data)))
    assert refused.value.code == "ciphertext_mismatch"


def test_a_flipped_header_byte_is_refused(bidder, custodians, documents):
    data = bytearray(seal_bytes(bidder, custodians, documents))
    index = data.index(b'"commitment":"I commit') + 16
    data[index] ^= 0x20
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        envelope_reading.inspect(io.BytesIO(bytes(data)))
    assert refused.value.code == "header_mismatch"


def test_a_truncated_file_is_refused(bidder, custodians, documents):
    data = seal_bytes(bidder, custodians, documents)
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        envelope_reading.inspect(io.BytesIO(data[:-3000]))
    assert refused.value.code == "truncated"


def test_bytes_inserted_before_the_trailer_are_refused(bidder, custodians, documents):
    data = seal_bytes(bidder, custodians, documents)
    envelope = envelope_reading.inspect(io.BytesIO(data))
    offset, length = envelope.offsets["documents"]
    forged = data[: offset + length] + b"\x00" * 32 + data[offset + length :]
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        envelope_reading.inspect(io.BytesIO(forged))
    assert refused.value.code == "size_mismatch"


def test_another_signers_certificate_is_refused(bidder, custodians, documents, ca):
    import json

    from cryptography.hazmat.primitives import serialization

    data = seal_bytes(bidder, custodians, documents)
    trailer_length = struct.unpack(">I", data[-12:-8])[0]
    start = len(data) - 12 - trailer_length
    trailer = json.loads(data[start:-12])
    intruder = Party("intruder", ca)
    trailer["signer"] = intruder.signing_cert.public_bytes(serialization.Encoding.PEM).decode()
    forged_trailer = canonical(trailer)
    forged = (
        data[:start]
        + forged_trailer
        + struct.pack(">I", len(forged_trailer))
        + envelope_format.END_MAGIC
    )
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        envelope_reading.inspect(io.BytesIO(forged))
    assert refused.value.code == "bad_signature"


def test_an_unencrypted_file_is_refused_as_not_an_envelope():
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        envelope_reading.inspect(io.BytesIO(b"%PDF-1.7 my bid, in the clear\n" * 10))
    assert refused.value.code == "not_an_envelope"


def test_a_wrong_private_key_cannot_unwrap(bidder, custodians, documents, ca):
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    envelope = envelope_reading.inspect(stream)
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        E.unwrap_for_holder(envelope, "summary", x25519.X25519PrivateKey.generate())
    assert refused.value.code == "unwrap_failed"


# --- tampering a forger re-signs, caught by the chunk construction ------------------------------


def test_a_dropped_chunk_does_not_decrypt_even_when_re_signed(bidder, custodians, documents):
    _, header, sections = parts(seal_bytes(bidder, custodians, documents))
    del sections["documents"][3]
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        open_documents(reassemble(bidder, header, sections), bidder)
    assert refused.value.code == "decryption_failed"


def test_reordered_chunks_do_not_decrypt_even_when_re_signed(bidder, custodians, documents):
    _, header, sections = parts(seal_bytes(bidder, custodians, documents))
    chunks = sections["documents"]
    chunks[1], chunks[2] = chunks[2], chunks[1]
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        open_documents(reassemble(bidder, header, sections), bidder)
    assert refused.value.code == "decryption_failed"


def test_a_section_truncated_at_a_chunk_boundary_does_not_decrypt(bidder, custodians, documents):
    _, header, sections = parts(seal_bytes(bidder, custodians, documents))
    sections["documents"] = sections["documents"][:-1]
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        open_documents(reassemble(bidder, header, sections), bidder)
    assert refused.value.code == "decryption_failed"


def test_swapped_sections_do_not_decrypt_even_when_re_signed(bidder, custodians, documents):
    _, header, sections = parts(seal_bytes(bidder, custodians, documents))
    sections["summary"], sections["documents"] = sections["documents"], sections["summary"]
    data = reassemble(bidder, header, sections)
    stream = io.BytesIO(data)
    envelope = envelope_reading.inspect(stream)
    key = E.unwrap_for_holder(envelope, "summary", bidder.encryption)
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        E.check_key(stream, envelope, "summary", key)
    assert refused.value.code == "decryption_failed"


def test_a_chunk_from_another_envelope_does_not_decrypt(bidder, custodians, documents):
    _, header, sections = parts(seal_bytes(bidder, custodians, documents))
    _, _, other = parts(seal_bytes(bidder, custodians, documents))
    sections["documents"][0] = other["documents"][0]
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        open_documents(reassemble(bidder, header, sections), bidder)
    assert refused.value.code == "decryption_failed"


def test_a_threshold_below_two_is_refused(bidder, custodians):
    with pytest.raises(Exception) as refused:
        envelope_keys.split_key(b"k" * 32, 1, 3)
    assert getattr(refused.value, "code", "") == "invalid_threshold"


def test_opening_checks_the_ciphertext_against_the_manifest_on_the_way(
    bidder, custodians, documents, tmp_path
):
    import dataclasses

    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    sealed = envelope_reading.inspect(stream, hash_sections=False)
    key = E.unwrap_for_holder(sealed, "documents", bidder.encryption)
    manifest = json.loads(canonical(sealed.manifest))
    manifest["sections"][1]["ciphertext_sha256"] = "0" * 64
    forged = dataclasses.replace(sealed, manifest=manifest)
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        E.extract_documents(stream, forged, key, tmp_path / "out")
    assert refused.value.code == "ciphertext_mismatch"


def test_opening_in_one_pass_gives_the_same_documents(bidder, custodians, documents, tmp_path):
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    sealed = envelope_reading.inspect(stream, hash_sections=False)
    key = E.unwrap_for_holder(sealed, "documents", bidder.encryption)
    names = E.extract_documents(stream, sealed, key, tmp_path / "out")
    assert sorted(names) == ["price-schedule.xlsx", "technical/plan.pdf"]


# --- formats and suites a reader does not know ----------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("suite", "bidhall-sm2-sm3-sm4gcm/1", "unsupported_suite"),
        ("format", "x", "unsupported_format"),
    ],
)
def test_a_record_excerpt_whose_signed_manifest_names_another_suite_is_refused(
    bidder, custodians, documents, field, value, code
):
    excerpt, key = resigned_excerpt(bidder, custodians, documents, **{field: value})
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        E.open_summary_excerpt(excerpt, key)
    assert refused.value.code == code


def resigned_excerpt(bidder, custodians, documents, header_bytes=None, **manifest_changes):
    """A record's excerpt of a bid whose manifest the bidder signed again after the changes."""
    stream = io.BytesIO(seal_bytes(bidder, custodians, documents))
    sealed = envelope_reading.inspect(stream)
    key = E.unwrap_for_holder(sealed, "summary", bidder.encryption)
    excerpt = E.summary_excerpt(stream, sealed)
    manifest = excerpt["trailer"]["manifest"] | manifest_changes
    if header_bytes is not None:
        excerpt["header"] = b64(header_bytes(sealed.header))
        manifest["header_sha256"] = hashlib.sha256(header_bytes(sealed.header)).hexdigest()
    signature = b64(bidder.signing.sign(canonical(manifest)))
    excerpt["trailer"] = excerpt["trailer"] | {"manifest": manifest, "signature": signature}
    return excerpt, key


@pytest.mark.parametrize(
    "change",
    [
        {"header_bytes": lambda header: json.dumps(header, indent=1).encode()},
        {"tender_id": 43},
    ],
    ids=["non-canonical header", "manifest of another tender"],
)
def test_a_record_excerpt_is_bound_to_its_header_as_a_whole_envelope_is(
    bidder, custodians, documents, change
):
    excerpt, key = resigned_excerpt(bidder, custodians, documents, **change)
    with pytest.raises(envelope_format.EnvelopeRefused) as refused:
        E.open_summary_excerpt(excerpt, key)
    assert refused.value.code == "header_mismatch"


def test_every_refusal_code_of_the_envelope_is_in_the_format_document():
    root = Path(__file__).resolve().parents[2]
    package = root / "bidhall" / "envelope"
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py")))
    codes = set(re.findall(r'code="(\w+)"', source)) | set(re.findall(r'"(malformed_\w+)"', source))
    table = (root / "docs" / "seal-format.md").read_text(encoding="utf-8")
    table = table.split("### Every refusal code of `bidhall/envelope/`", 1)[1]
    assert sorted(code for code in codes if f"| `{code}` |" not in table) == []
