"""`bidhall keys ...` and `bidhall ca ...`, through the real command against the test app."""

from __future__ import annotations

import json
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from bidhall.crypto import keys
from bidhall.crypto import services as pki
from bidhall.crypto import validation as services
from tests.crypto.conftest import ITERATIONS, PASSPHRASE

ENV = {"BIDHALL_KEY_PASSPHRASE": PASSPHRASE}


@pytest.fixture
def keys_cli(runner):
    def run(*args, env=None):
        return runner.invoke(args=["keys", *args], env=ENV | (env or {}))

    return run


@pytest.fixture
def key_file(keys_cli, tmp_path):
    path = tmp_path / "me.bhkey"
    result = keys_cli("new", "-o", str(path), "--iterations", str(ITERATIONS))
    assert result.exit_code == 0, result.output
    return path


def test_a_new_key_file_is_requested_enrolled_over_the_api_and_installed_offline(
    keys_cli, key_file, tmp_path, make_user, api_for
):
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    user = make_user("bidder")
    request_file, answer_file = tmp_path / "req.json", tmp_path / "certs.json"
    requested = keys_cli("request", str(key_file), "-o", str(request_file))
    assert requested.exit_code == 0, requested.output

    response = api_for(user).post("/api/certificates", json=json.loads(request_file.read_text()))
    assert response.status_code == 201
    answer_file.write_text(json.dumps(response.get_json()))

    installed = keys_cli("install", str(key_file), str(answer_file))
    assert installed.exit_code == 0, installed.output
    bundle = keys.open_bundle(key_file, PASSPHRASE)
    assert services.validate(bundle.signing_cert, "signing").user_id == user.id
    assert services.validate(bundle.encryption_cert, "encryption").user_id == user.id
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert keys.key_file_iterations(key_file.read_bytes()) == ITERATIONS


def test_keys_enroll_requests_enrolls_and_installs_in_one_step(
    keys_cli, key_file, make_user, runner
):
    user = make_user("expert")
    token = runner.invoke(args=["users", "token", user.username]).stdout.strip()
    result = keys_cli("enroll", str(key_file), "--token", token)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["signing"]["user_id"] == user.id
    bundle = keys.open_bundle(key_file, PASSPHRASE)
    assert services.user_id_of(bundle.encryption_cert) == user.id


def test_keys_show_lists_the_certificates_without_asking_for_a_secret(
    keys_cli, key_file, make_user, runner
):
    user = make_user("bidder")
    token = runner.invoke(args=["users", "token", user.username]).stdout.strip()
    keys_cli("enroll", str(key_file), "--token", token)
    shown = keys_cli("show", str(key_file), env={"BIDHALL_KEY_PASSPHRASE": ""})
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["signing"]["user_id"] == user.id
    assert data["signing"]["subject"] == f"O={user.organisation.name},CN={user.username}"
    assert [c["subject"] for c in data["chain"]] == [
        "O=bidhall,CN=bidhall Issuing CA",
        "O=bidhall,CN=bidhall Root CA",
    ]
    document = json.loads(key_file.read_text())
    assert document["ciphertext"] not in shown.output and "PRIVATE" not in shown.output


def test_the_exported_pkcs12_loads_with_standard_tools(
    keys_cli, key_file, make_user, runner, tmp_path
):
    user = make_user("bidder")
    token = runner.invoke(args=["users", "token", user.username]).stdout.strip()
    keys_cli("enroll", str(key_file), "--token", token)
    output = tmp_path / "me.p12"
    result = keys_cli("export-p12", str(key_file), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    key, cert, others = pkcs12.load_key_and_certificates(output.read_bytes(), PASSPHRASE.encode())
    bundle = keys.open_bundle(key_file, PASSPHRASE)
    assert key.public_key() == bundle.signing_key.public_key()
    assert cert == bundle.signing_cert
    assert others == [bundle.encryption_cert, *bundle.chain]


def test_a_wrong_passphrase_fails_the_command_with_a_one_line_error(keys_cli, key_file):
    result = keys_cli("request", str(key_file), env={"BIDHALL_KEY_PASSPHRASE": "wrong words 1"})
    assert result.exit_code == 2
    assert "error: bad_passphrase" in result.output
    assert "Traceback" not in result.output


def test_the_passphrase_is_asked_for_when_its_variable_is_unset(runner, tmp_path):
    path = tmp_path / "asked.bhkey"
    result = runner.invoke(
        args=[
            "keys",
            "new",
            "-o",
            str(path),
            "--iterations",
            str(ITERATIONS),
            "--passphrase-env",
            "NOT_SET_ANYWHERE",
        ],
        input=f"{PASSPHRASE}\n{PASSPHRASE}\n",
    )
    assert result.exit_code == 0, result.output
    assert keys.open_bundle(path, PASSPHRASE)


def test_keys_new_never_overwrites_a_key_file(keys_cli, key_file):
    before = key_file.read_bytes()
    result = keys_cli("new", "-o", str(key_file), "--iterations", str(ITERATIONS))
    assert result.exit_code == 2 and "key_file_exists" in result.output
    assert key_file.read_bytes() == before


def test_the_ca_is_created_once_and_refuses_to_init_twice(runner, app):
    first = runner.invoke(args=["ca", "init"])
    assert first.exit_code == 0, first.output
    assert "NOT encrypted" in first.output  # no BIDHALL_CA_PASSPHRASE in tests
    directory = pki.authority().directory
    for name in (
        "root-key.pem",
        "issuing-key.pem",
        "platform-key.pem",
        "platform-encryption-key.pem",
    ):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    root = (directory / "root.pem").read_bytes()
    second = runner.invoke(args=["ca", "init"])
    assert second.exit_code == 2
    assert "error: ca_exists" in second.output
    assert (directory / "root.pem").read_bytes() == root


def test_the_operator_revokes_from_the_command_line_and_writes_the_crl(runner, enrolled, tmp_path):
    holder = enrolled()
    revoked = runner.invoke(
        args=["ca", "revoke", holder.signing.serial, "--reason", "cessation_of_operation"]
    )
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.stdout)["status"] == "revoked"
    output = tmp_path / "crl.pem"
    assert runner.invoke(args=["ca", "crl", "-o", str(output)]).exit_code == 0
    crl = x509.load_pem_x509_crl(output.read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(holder.signing.serial, 16))
    shown = json.loads(runner.invoke(args=["ca", "show"]).stdout)
    assert shown["registry"] == {"certificates": 2, "revoked": 1}
    assert shown["keys_encrypted"] is False
    assert "PRIVATE" not in runner.invoke(args=["ca", "show"]).output
