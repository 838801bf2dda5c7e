"""`bidhall ca ...` (the operator's certificate authority) and `bidhall keys ...` (a holder's key
file: made, requested, installed and exported offline; no server needed except for `enroll`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from bidhall.cli_support import fail_on_domain_errors

KEY_PASSPHRASE_ENV = "BIDHALL_KEY_PASSPHRASE"

key_file_argument = click.argument(
    "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
passphrase_env_option = click.option(
    "--passphrase-env",
    default=KEY_PASSPHRASE_ENV,
    show_default=True,
    metavar="NAME",
    help="environment variable holding the key file passphrase (asked for when it is unset)",
)


def _echo(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _passphrase(env_name: str, confirm: bool = False, label: str = "key file passphrase") -> str:
    value = os.environ.get(env_name)
    if value:
        return value
    return click.prompt(label, hide_input=True, confirmation_prompt=confirm)


def _describe(cert: Any) -> dict[str, Any] | None:
    from bidhall.crypto import ca, validation

    if cert is None:
        return None
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": ca.serial_hex(cert),
        "fingerprint_sha256": ca.fingerprint(cert),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "user_id": validation.user_id_of(cert),
        "organisation_id": validation.organisation_id_of(cert),
    }


# --- the certificate authority ------------------------------------------------------------------


@click.group("ca")
def ca_group() -> None:
    """The platform's certificate authority (files in the instance folder)."""


@ca_group.command("init")
@with_appcontext
@fail_on_domain_errors
def ca_init() -> None:
    """Create the root CA, the issuing CA and the platform's signing certificate. Keys are
    encrypted with BIDHALL_CA_PASSPHRASE, which production requires (it refuses to start
    without); elsewhere it may be unset. An existing CA is never overwritten."""
    from bidhall.crypto import ca, services

    authority = services.init_authority()
    encrypted = ca.keys_encrypted(authority.directory)
    if not encrypted:
        click.echo(
            "warning: the CA keys are NOT encrypted (set BIDHALL_CA_PASSPHRASE); "
            "they are protected only by file mode 0600",
            err=True,
        )
    _echo(_authority(authority, encrypted))


@ca_group.command("show")
@with_appcontext
@fail_on_domain_errors
def ca_show() -> None:
    """The CA's certificates and the registry's counts (no secrets)."""
    from bidhall.crypto import ca, services

    authority = services.authority()
    _echo(
        _authority(authority, ca.keys_encrypted(authority.directory))
        | {"registry": services.counts()}
    )


@ca_group.command("crl")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
@fail_on_domain_errors
def ca_crl(output: Path | None) -> None:
    """Write a fresh CRL (PEM) to OUTPUT or stdout."""
    from bidhall.crypto import services

    crl = services.current_crl()
    if output is None:
        click.echo(crl.decode("ascii"), nl=False)
    else:
        output.write_bytes(crl)
        click.echo(f"CRL written to {output}", err=True)


@ca_group.command("revoke")
@click.argument("serial")
@click.option(
    "--reason",
    required=True,
    help="unspecified, key_compromise, affiliation_changed, superseded, "
    "cessation_of_operation or privilege_withdrawn",
)
@with_appcontext
@fail_on_domain_errors
def ca_revoke(serial: str, reason: str) -> None:
    """Revoke the certificate SERIAL (hex)."""
    from bidhall.crypto import serialize, services

    row = services.revoke("system:cli", serial, reason)
    data = serialize.certificate(row)
    data.pop("pem")
    _echo(data)


def _authority(authority: Any, encrypted: bool) -> dict[str, Any]:
    return {
        "directory": str(authority.directory),
        "keys_encrypted": encrypted,
        "root": _describe(authority.root_cert),
        "issuing": _describe(authority.issuing_cert),
        "platform": _describe(authority.platform_cert),
        "platform_encryption": _describe(authority.platform_encryption_cert),
    }


# --- a holder's key file ------------------------------------------------------------------------


@click.group("keys")
def keys_group() -> None:
    """Your key file (.bhkey): a signing and an encryption key with their certificates."""


@keys_group.command("new")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@passphrase_env_option
@click.option(
    "--iterations",
    type=click.IntRange(1, 10_000_000),
    default=600_000,
    show_default=True,
    help="PBKDF2 rounds (lower only for tests)",
)
@fail_on_domain_errors
def keys_new(output: Path, passphrase_env: str, iterations: int) -> None:
    """Make a new key pair of each kind into OUTPUT (never overwrites a file)."""
    from bidhall.crypto import keys

    if output.exists():
        raise keys.KeyFileError(f"{output} exists already", code="key_file_exists")
    passphrase = _passphrase(passphrase_env, confirm=True)
    bundle = keys.generate_bundle()
    keys.save_bundle(output, bundle, passphrase, iterations=iterations)
    _echo(
        {
            "key_file": str(output),
            "signing_public_key": keys.b64(keys.raw_public_key(bundle.signing_key.public_key())),
            "encryption_public_key": keys.b64(
                keys.raw_public_key(bundle.encryption_key.public_key())
            ),
        }
    )


@keys_group.command("request")
@key_file_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@passphrase_env_option
@fail_on_domain_errors
def keys_request(key_file: Path, output: Path | None, passphrase_env: str) -> None:
    """Write the certificate request (public keys + proof of possession) to OUTPUT or stdout;
    send it as the body of POST /api/certificates."""
    from bidhall.crypto import keys

    bundle = keys.open_bundle(key_file, _passphrase(passphrase_env))
    text = json.dumps(keys.certificate_request(bundle), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"certificate request written to {output}", err=True)


@keys_group.command("install")
@key_file_argument
@click.argument("answer_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@passphrase_env_option
@fail_on_domain_errors
def keys_install(key_file: Path, answer_file: Path, passphrase_env: str) -> None:
    """Put the certificates of ANSWER_FILE (the answer of POST /api/certificates) into KEY_FILE,
    after checking that they certify its keys."""
    from bidhall.crypto import keys

    try:
        answer = json.loads(answer_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise keys.KeyFileError(f"{answer_file} is not JSON", code="invalid_answer") from None
    if not isinstance(answer, dict):
        raise keys.KeyFileError(f"{answer_file} is not a JSON object", code="invalid_answer")
    _install(key_file, _passphrase(passphrase_env), answer)


@keys_group.command("enroll")
@key_file_argument
@click.option(
    "--token",
    envvar="BIDHALL_TOKEN",
    required=True,
    help="the holder's API token (or BIDHALL_TOKEN); see `bidhall users token`",
)
@passphrase_env_option
@with_appcontext
@fail_on_domain_errors
def keys_enroll(key_file: Path, token: str, passphrase_env: str) -> None:
    """Request, enroll (in this process, as the token's user) and install, in one step."""
    from bidhall.accounts import services as accounts
    from bidhall.crypto import keys, serialize, services
    from bidhall.errors import Unauthenticated

    user = accounts.user_for_token(token)
    if user is None:
        raise Unauthenticated("the API token is unknown or revoked", code="invalid_token")
    passphrase = _passphrase(passphrase_env)
    bundle = keys.open_bundle(key_file, passphrase)
    signing, encryption = services.enroll(user, keys.certificate_request(bundle))
    _install(key_file, passphrase, serialize.enrollment_answer(signing, encryption))


@keys_group.command("show")
@key_file_argument
@fail_on_domain_errors
def keys_show(key_file: Path) -> None:
    """The key file's certificates (public: no passphrase asked, no secret shown)."""
    from bidhall.crypto import keys

    data = keys.read_key_file(key_file)
    signing, encryption, chain = keys.read_certificates(data)
    _echo(
        {
            "key_file": str(key_file),
            "pbkdf2_iterations": keys.key_file_iterations(data),
            "signing": _describe(signing),
            "encryption": _describe(encryption),
            "chain": [_describe(cert) for cert in chain],
        }
    )


@keys_group.command("export-p12")
@key_file_argument
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@passphrase_env_option
@click.option(
    "--p12-passphrase-env",
    default=None,
    metavar="NAME",
    help="environment variable holding the PKCS#12 passphrase (default: the key file's)",
)
@fail_on_domain_errors
def keys_export_p12(
    key_file: Path, output: Path, passphrase_env: str, p12_passphrase_env: str | None
) -> None:
    """Export the signing key with its certificate, the encryption certificate and the chain as
    PKCS#12 (for standard tools; PKCS#12 cannot carry the X25519 key itself)."""
    from bidhall.crypto import keys

    data = keys.read_key_file(key_file)
    passphrase = _passphrase(passphrase_env)
    bundle = keys.load_bundle(data, passphrase)
    p12_passphrase = (
        _passphrase(p12_passphrase_env, confirm=True, label="PKCS#12 passphrase")
        if p12_passphrase_env
        else passphrase
    )
    p12 = keys.export_pkcs12(bundle, p12_passphrase, iterations=keys.key_file_iterations(data))
    keys.write_private_file(output, p12)
    click.echo(f"PKCS#12 written to {output}", err=True)


def _install(key_file: Path, passphrase: str, answer: dict) -> None:
    from bidhall.crypto import keys

    data = keys.read_key_file(key_file)
    bundle = keys.install_certificates(keys.load_bundle(data, passphrase), answer)
    # rewritten with a fresh salt and nonce, keeping the file's iteration count
    keys.save_bundle(
        key_file,
        bundle,
        passphrase,
        iterations=keys.key_file_iterations(data),
        overwrite=True,
    )
    _echo(
        {
            "key_file": str(key_file),
            "signing": _describe(bundle.signing_cert),
            "encryption": _describe(bundle.encryption_cert),
        }
    )
