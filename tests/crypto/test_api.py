"""HTTP: the CA's public files and the holders' certificate API."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from bidhall.crypto import keys
from bidhall.crypto import validation as services


def enroll_over_http(api, bundle):
    return api.post("/api/certificates", json=keys.certificate_request(bundle))


def test_enrolment_through_the_api_binds_the_certificates_to_the_caller(make_user, api_for, client):
    user = make_user("bidder")
    bundle = keys.generate_bundle()
    response = enroll_over_http(api_for(user), bundle)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    root = x509.load_pem_x509_certificate(client.get("/ca/root.pem").data)
    issuing = x509.load_pem_x509_certificate(client.get("/ca/issuing.pem").data)
    assert [keys.load_certificate(pem) for pem in answer["chain"]] == [issuing, root]
    for purpose in ("signing", "encryption"):
        cert = keys.load_certificate(answer[purpose])
        cert.verify_directly_issued_by(issuing)
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == user.username
        assert (
            cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
            == user.organisation.name
        )
        uris = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.UniformResourceIdentifier)
        assert uris == [f"urn:bidhall:user:{user.id}", f"urn:bidhall:org:{user.organisation_id}"]
        assert format(cert.serial_number, "x") == answer["serials"][purpose]
        assert services.validate(cert, purpose).user_id == user.id
    installed = keys.install_certificates(bundle, answer)
    assert installed.signing_cert.public_key() == bundle.signing_key.public_key()


def test_a_tampered_request_is_refused_with_the_error_payload(make_user, api_for):
    request = keys.certificate_request(keys.generate_bundle())
    request["encryption_public_key"] = keys.certificate_request(keys.generate_bundle())[
        "encryption_public_key"
    ]
    response = api_for(make_user("expert")).post("/api/certificates", json=request)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_proof_of_possession"


def test_the_caller_lists_only_its_own_certificates_with_their_status(make_user, api_for, clock):
    user, other = make_user("bidder"), make_user("bidder")
    api = api_for(user)
    first = enroll_over_http(api, keys.generate_bundle()).get_json()
    clock.advance(minutes=5)
    second = enroll_over_http(api, keys.generate_bundle()).get_json()
    enroll_over_http(api_for(other), keys.generate_bundle())
    listed = api.get("/api/certificates").get_json()
    status = {row["serial"]: (row["purpose"], row["status"]) for row in listed}
    assert status == {
        second["serials"]["signing"]: ("signing", "active"),
        second["serials"]["encryption"]: ("encryption", "active"),
        first["serials"]["signing"]: ("signing", "revoked"),
        first["serials"]["encryption"]: ("encryption", "revoked"),
    }
    assert {row["revocation_reason"] for row in listed if row["status"] == "revoked"} == {
        "superseded"
    }


def test_a_revocation_appears_in_the_crl_which_verifies_with_the_issuing_certificate(
    make_user, api_for, client
):
    user = make_user("issuer")
    api = api_for(user)
    answer = enroll_over_http(api, keys.generate_bundle()).get_json()
    serial = answer["serials"]["signing"]
    revoked = api.post(f"/api/certificates/{serial}/revoke", json={"reason": "key_compromise"})
    assert revoked.status_code == 200, revoked.get_json()
    assert revoked.get_json()["status"] == "revoked"
    response = client.get("/ca/crl.pem")
    assert response.status_code == 200
    assert response.mimetype == "application/x-pem-file"
    crl = x509.load_pem_x509_crl(response.data)
    issuing = x509.load_pem_x509_certificate(client.get("/ca/issuing.pem").data)
    assert crl.is_signature_valid(issuing.public_key())
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    assert (
        crl.get_revoked_certificate_by_serial_number(int(answer["serials"]["encryption"], 16))
        is None
    )


def test_another_holder_may_not_revoke_a_certificate_but_an_administrator_may(make_user, api_for):
    owner = make_user("bidder")
    serial = enroll_over_http(api_for(owner), keys.generate_bundle()).get_json()["serials"][
        "signing"
    ]
    url = f"/api/certificates/{serial}/revoke"
    stranger = api_for(make_user("bidder")).post(url, json={"reason": "key_compromise"})
    assert stranger.status_code == 403
    assert stranger.get_json()["error"]["code"] == "forbidden"
    admin = api_for(make_user("admin")).post(url, json={"reason": "privilege_withdrawn"})
    assert admin.status_code == 200
    assert admin.get_json()["revocation_reason"] == "privilege_withdrawn"


def test_a_revocation_needs_a_known_reason_and_a_known_serial(make_user, api_for):
    user = make_user("bidder")
    api = api_for(user)
    serial = enroll_over_http(api, keys.generate_bundle()).get_json()["serials"]["signing"]
    vague = api.post(f"/api/certificates/{serial}/revoke", json={"reason": "because"})
    assert vague.status_code == 400 and vague.get_json()["error"]["code"] == "invalid_reason"
    unknown = api.post("/api/certificates/abc123/revoke", json={"reason": "superseded"})
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "certificate_not_found"
