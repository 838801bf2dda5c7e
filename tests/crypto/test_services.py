"""The CA's registry: enrolment, validation and each refusal, revocation, the CRL, the platform's
own signer. Real database, fake clock."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, text

from bidhall.crypto import ca, keys, services, validation
from bidhall.crypto.errors import CAUnavailable, CertificateRefused, SignatureInvalid
from bidhall.crypto.models import Certificate
from bidhall.db import Base, db
from bidhall.errors import Conflict, Forbidden


def refusal(cert, purpose: str, at=None) -> str:
    with pytest.raises(CertificateRefused) as refused:
        validation.validate(cert, purpose, at)
    return refused.value.code


def test_enrolment_certifies_both_keys_to_the_holder(enrolled):
    holder = enrolled("bidder")
    for row, purpose in ((holder.signing, "signing"), (holder.encryption, "encryption")):
        cert = keys.load_certificate(row.pem)
        assert validation.validate(cert, purpose).id == row.id
        assert validation.user_id_of(cert) == holder.user.id
        assert validation.organisation_id_of(cert) == holder.user.organisation_id
        assert (row.user_id, row.organisation_id) == (holder.user.id, holder.user.organisation_id)
    assert holder.signing.not_after - holder.signing.not_before == timedelta(days=730)


def test_the_signing_certificate_may_sign_and_the_encryption_certificate_only_agree_keys(
    enrolled,
):
    holder = enrolled()
    signing = holder.bundle.signing_cert.extensions.get_extension_for_class(x509.KeyUsage)
    encryption = holder.bundle.encryption_cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert signing.critical and signing.value.digital_signature
    assert signing.value.content_commitment and not signing.value.key_agreement
    assert encryption.value.key_agreement and not encryption.value.digital_signature


def test_a_certificate_from_a_foreign_ca_is_refused_as_unknown_issuer(enrolled, tmp_path, clock):
    holder = enrolled()
    foreign = ca.init_ca(tmp_path / "foreign", None, clock.now(), name="bidhall")
    impostor = ca.issue(
        foreign.issuing_cert,
        foreign.issuing_key,
        holder.bundle.signing_key.public_key(),
        subject=holder.bundle.signing_cert.subject,
        uris=[f"urn:bidhall:user:{holder.user.id}"],
        purpose="signing",
        not_before=clock.now(),
        not_after=clock.now() + timedelta(days=30),
    )
    # the same names as ours: only the signature tells them apart
    assert impostor.issuer == holder.bundle.signing_cert.issuer
    assert refusal(impostor, "signing") == "unknown_issuer"


def test_a_certificate_signed_by_our_ca_but_not_registered_is_refused(app, clock):
    authority = services.authority()
    unregistered = ca.issue(
        authority.issuing_cert,
        authority.issuing_key,
        keys.generate_bundle().signing_key.public_key(),
        subject=ca.holder_name("mallory", "Nobody Ltd"),
        uris=["urn:bidhall:user:999"],
        purpose="signing",
        not_before=clock.now(),
        not_after=clock.now() + timedelta(days=30),
    )
    assert refusal(unregistered, "signing") == "unknown_certificate"


def test_a_certificate_is_refused_before_its_validity_starts(enrolled, clock):
    holder = enrolled()
    assert refusal(holder.signing.pem, "signing", clock.now() - timedelta(seconds=1)) == (
        "not_yet_valid"
    )


def test_a_certificate_is_refused_after_it_expires(enrolled, clock):
    holder = enrolled()
    clock.advance(days=730)
    assert validation.validate(holder.signing.pem, "signing")  # notAfter itself is inclusive
    clock.advance(seconds=1)
    assert refusal(holder.signing.pem, "signing") == "expired"


def test_a_revoked_certificate_is_refused_from_its_revocation_on(enrolled, clock):
    holder = enrolled()
    before = clock.now()
    clock.advance(hours=1)
    services.revoke(holder.user, holder.signing.serial, "key_compromise")
    assert refusal(holder.signing.pem, "signing") == "revoked"
    # what it signed before the revocation, at a time the server vouches for, still stands
    assert validation.validate(holder.signing.pem, "signing", before)


def test_a_certificate_used_for_the_other_purpose_is_refused(enrolled):
    holder = enrolled()
    assert refusal(holder.signing.pem, "encryption") == "wrong_purpose"
    assert refusal(holder.encryption.pem, "signing") == "wrong_purpose"


def test_text_that_is_no_certificate_is_refused(app):
    assert refusal("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "signing") == (
        "malformed_certificate"
    )


def test_re_enrolment_revokes_the_previous_pair_as_superseded(enrolled, clock):
    first = enrolled()
    clock.advance(days=1)
    second = enrolled(user=first.user)
    for old in (first.signing, first.encryption):
        row = db.session.get(Certificate, old.id)
        db.session.refresh(row)
        assert row.revocation_reason == "superseded"
        assert row.revoked_at == clock.now().replace(microsecond=0)
    assert refusal(first.signing.pem, "signing") == "revoked"
    assert validation.validate(second.signing.pem, "signing")
    assert services.active_certificate(first.user.id, "encryption").id == second.encryption.id


def test_a_key_certified_to_one_holder_is_refused_to_another(enrolled, make_user):
    holder = enrolled()
    with pytest.raises(Conflict) as refused:
        services.enroll(make_user("bidder"), keys.certificate_request(holder.bundle))
    assert refused.value.code == "key_in_use"


def test_only_the_holder_or_an_administrator_may_revoke(enrolled, make_user):
    holder = enrolled()
    with pytest.raises(Forbidden):
        services.revoke(make_user("bidder"), holder.signing.serial, "key_compromise")
    with pytest.raises(Forbidden):
        services.revoke(make_user("supervisor"), holder.signing.serial, "key_compromise")
    services.revoke(make_user("admin"), holder.signing.serial, "privilege_withdrawn")
    services.revoke(holder.user, holder.encryption.serial.upper(), "key_compromise")
    with pytest.raises(Conflict) as twice:
        services.revoke(holder.user, holder.encryption.serial, "key_compromise")
    assert twice.value.code == "already_revoked"


def test_the_crl_lists_every_revoked_serial_with_its_reason(enrolled, clock):
    holders = [enrolled() for _ in range(3)]
    services.revoke(holders[0].user, holders[0].signing.serial, "key_compromise")
    services.revoke(holders[1].user, holders[1].encryption.serial, "unspecified")
    clock.advance(days=800)  # an expired revoked certificate is still listed
    crl = x509.load_pem_x509_crl(services.current_crl())
    authority = services.authority()
    assert crl.is_signature_valid(authority.issuing_cert.public_key())
    assert crl.issuer == authority.issuing_cert.subject
    assert crl.next_update_utc - crl.last_update_utc == timedelta(days=1)
    listed = {format(entry.serial_number, "x"): entry for entry in crl}
    assert set(listed) == {holders[0].signing.serial, holders[1].encryption.serial}
    reason = listed[holders[0].signing.serial].extensions.get_extension_for_class(x509.CRLReason)
    assert reason.value.reason == x509.ReasonFlags.key_compromise


def test_the_platform_signs_with_a_registered_platform_certificate(app):
    key, cert, chain = services.platform_signer()
    row = validation.validate(cert, "platform")
    assert row.user_id is None and validation.user_id_of(cert) is None
    assert [c.subject for c in chain] == [
        services.authority().issuing_cert.subject,
        services.authority().root_cert.subject,
    ]
    validation.verify_signature(cert, b"receipt", key.sign(b"receipt"))
    assert refusal(cert, "signing") == "wrong_purpose"
    with pytest.raises(Conflict):
        services.revoke("system:cli", row.serial, "key_compromise")


def test_the_platform_holds_a_registered_encryption_certificate_as_a_custodian(app):
    key, cert = services.platform_custodian()
    row = validation.validate(cert, "encryption")
    assert row.user_id is None and row.purpose.value == "encryption"
    assert keys.raw_public_key(cert.public_key()) == keys.raw_public_key(key.public_key())
    assert services.platform_custodian_certificate() == cert
    with pytest.raises(Conflict) as refused:
        services.revoke("system:cli", row.serial, "key_compromise")
    assert refused.value.code == "platform_certificate"


@pytest.mark.parametrize("spelling", ["key_compromise", "key compromise", "keyCompromise"])
def test_a_revocation_reason_may_be_spelled_as_words_or_in_camel_case(enrolled, spelling):
    holder = enrolled()
    assert services.revoke(holder.user, holder.signing.serial, spelling).revocation_reason == (
        "key_compromise"
    )


def test_a_signature_is_checked_against_the_certificate_key(enrolled):
    holder = enrolled()
    signature = holder.bundle.signing_key.sign(b"manifest")
    validation.verify_signature(holder.signing.pem, b"manifest", signature)
    with pytest.raises(SignatureInvalid) as refused:
        validation.verify_signature(holder.signing.pem, b"manifest!", signature)
    assert refused.value.code == "bad_signature"
    with pytest.raises(SignatureInvalid) as cannot:
        validation.verify_signature(holder.encryption.pem, b"manifest", signature)
    assert cannot.value.code == "not_a_signing_certificate"


def test_enrolment_and_revocation_go_to_the_ledger(enrolled):
    holder = enrolled()
    services.revoke(holder.user, holder.signing.serial, "superseded")
    types = db.session.execute(text("SELECT type FROM ledger_entries ORDER BY seq")).scalars()
    assert [t for t in types if t.startswith("certificate.")] == [
        "certificate.issued",
        "certificate.issued",
        "certificate.revoked",
    ]


def test_private_keys_are_never_logged_nor_stored_in_the_database(enrolled, caplog, app):
    caplog.set_level(logging.DEBUG)
    holder = enrolled()
    services.revoke(holder.user, holder.signing.serial, "superseded")
    services.platform_signer()
    services.platform_custodian()
    services.current_crl()
    authority = services.authority()
    secrets = []
    for key in (
        holder.bundle.signing_key,
        holder.bundle.encryption_key,
        authority.issuing_key,
        authority.platform_key,
        authority.platform_encryption_key,
    ):
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        secrets += [raw.hex(), base64.b64encode(raw).decode(), base64.b64encode(der).decode()]
    stored = []
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            stored += [str(value) for value in row]
    assert len(db.session.scalars(select(Certificate)).all()) == 4
    everything = "\n".join(stored + [record.getMessage() for record in caplog.records])
    assert "PRIVATE KEY" not in everything
    assert [secret for secret in secrets if secret in everything] == []


def test_in_production_signing_without_a_ca_names_the_command_to_run(app, tmp_path):
    services.configure(
        dict(app.config, BIDHALL_ENV="production", BIDHALL_INSTANCE=str(tmp_path / "prod"))
    )
    try:
        with pytest.raises(CAUnavailable) as refused:
            services.platform_signer()
        assert refused.value.code == "ca_not_initialised"
        assert "bidhall ca init" in refused.value.message
        assert not (tmp_path / "prod" / "ca").exists()
    finally:
        services.configure(app.config)


def test_ca_keys_are_encrypted_with_the_ca_passphrase_when_it_is_set(app, tmp_path):
    settings = dict(
        app.config, BIDHALL_INSTANCE=str(tmp_path / "locked"), BIDHALL_CA_PASSPHRASE="ca secret 1"
    )
    try:
        services.configure(settings)
        directory = services.authority().directory
        assert ca.keys_encrypted(directory)
        for name in (
            "root-key.pem",
            "issuing-key.pem",
            "platform-key.pem",
            "platform-encryption-key.pem",
        ):
            assert (directory / name).read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
        services.configure(dict(settings, BIDHALL_CA_PASSPHRASE="wrong"))
        with pytest.raises(CAUnavailable) as locked:
            services.authority()
        assert locked.value.code == "ca_locked"
    finally:
        services.configure(app.config)
