"""The bidder's tools: ``bidhall seal`` (offline), ``bidhall seal verify``, ``bidhall bid ...``
(talks to a bidhall server over HTTP, standard library only) and ``bidhall receipt verify``
(offline)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

import click

from bidhall import clock
from bidhall.cli_support import fail_on_domain_errors
from bidhall.crypto.keys import canonical
from bidhall.errors import InvalidInput

PASSPHRASE_ENV = "BIDHALL_KEY_PASSPHRASE"


def _passphrase(env_name: str) -> str:
    value = os.environ.get(env_name)
    if value is None:
        value = click.prompt("key file passphrase", hide_input=True)
    return value


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            f"{path} is not a readable JSON {what}: {error}", code="invalid_file"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} is not a JSON object", code="invalid_file")
    return data


# --- sealing (offline) --------------------------------------------------------------------------


@click.group("seal", invoke_without_command=True)
@click.option(
    "--tender",
    "descriptor_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the tender's sealing descriptor (GET /api/tenders/T/sealing)",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the bid summary JSON read out at the opening",
)
@click.option(
    "--documents",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="the folder of bid documents",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="your key file (bidhall-key/1)",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase-env", default=PASSPHRASE_ENV, show_default=True)
@click.pass_context
@fail_on_domain_errors
def seal_group(
    ctx: click.Context,
    descriptor_path: Path | None,
    summary_path: Path | None,
    documents: Path | None,
    key_path: Path | None,
    output: Path | None,
    passphrase_env: str,
) -> None:
    """Seal a bid offline into one encrypted envelope (bidhall-seal/1). Needs no network."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [
        name
        for name, value in (
            ("--tender", descriptor_path),
            ("--summary", summary_path),
            ("--documents", documents),
            ("--key", key_path),
            ("-o", output),
        )
        if value is None
    ]
    if missing:
        raise click.UsageError("missing " + ", ".join(missing))
    import jsonschema
    from cryptography import x509

    from bidhall.crypto import keys
    from bidhall.envelope import format as envelope
    from bidhall.envelope import sealing

    descriptor = _read_json(descriptor_path, "sealing descriptor")
    summary = _read_json(summary_path, "bid summary")
    if descriptor.get("format") != "bidhall-sealing/1":
        raise InvalidInput(
            f"{descriptor_path} is not a bidhall sealing descriptor", code="invalid_descriptor"
        )
    if descriptor.get("suite") != envelope.SUITE:
        # sealing with a suite the tender does not name would only be refused at the upload
        raise InvalidInput(
            f"the tender asks for the algorithm suite {descriptor.get('suite')!r}; this tool "
            f"seals with {envelope.SUITE}",
            code="unsupported_suite",
        )
    # the summary is checked before anything is encrypted: a wrong summary is never sealed
    validator = jsonschema.Draft202012Validator(descriptor["summary_schema"])
    problems = sorted(validator.iter_errors(summary), key=lambda e: list(e.path))
    if problems:
        lines = [f"{'/'.join(map(str, p.path)) or '(summary)'}: {p.message}" for p in problems]
        raise InvalidInput(
            "the bid summary does not match the tender's schema:\n  " + "\n  ".join(lines),
            code="invalid_summary",
        )
    bundle = keys.open_bundle(key_path, _passphrase(passphrase_env))
    if bundle.signing_cert is None or bundle.encryption_cert is None:
        raise InvalidInput(
            "the key file has no certificates yet: enroll first (bidhall keys enroll / install)",
            code="no_certificates",
        )
    custodians = sorted(descriptor["custodians"], key=lambda c: c["x"])
    target = sealing.SealTarget(
        tender_id=descriptor["tender"]["id"],
        tender_reference=descriptor["tender"]["reference"],
        custodians=[x509.load_pem_x509_certificate(c["certificate"].encode()) for c in custodians],
        threshold=descriptor["threshold"],
        chunk_size=descriptor.get("chunk_size", envelope.DEFAULT_CHUNK),
        lot=summary["lot"],
    )
    sealer = sealing.Sealer(
        bundle.signing_key, bundle.signing_cert, bundle.encryption_cert, list(bundle.chain)
    )
    temporary = output.with_name(output.name + ".part")
    with open(temporary, "wb") as out:
        manifest = sealing.seal(
            out,
            target,
            sealer,
            summary,
            documents,
            descriptor["commitment"],
            clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    temporary.replace(output)
    click.echo(
        json.dumps(
            {
                "sealed": str(output),
                "tender": target.tender_reference,
                "lot": target.lot,
                "size": output.stat().st_size,
                "manifest_sha256": hashlib.sha256(canonical(manifest)).hexdigest(),
            }
        )
    )


@seal_group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@fail_on_domain_errors
def seal_verify(path: Path) -> None:
    """Check an envelope's structure, hashes and signature, with no key."""
    from bidhall.envelope import reading as envelope_reading

    with open(path, "rb") as stream:
        sealed = envelope_reading.inspect(stream)
    subject = sealed.signer.subject.rfc4514_string()
    click.echo(
        json.dumps(
            {
                "ok": True,
                "tender": sealed.header["tender"],
                "signer": subject,
                "manifest_sha256": sealed.manifest_sha256,
                "sections": sealed.manifest["sections"],
            },
            ensure_ascii=False,
        )
    )


# --- receipts (offline) -------------------------------------------------------------------------


@click.group("receipt")
def receipt_group() -> None:
    """The platform's signed receipts for uploaded bids."""


@receipt_group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the platform's root certificate (GET /ca/root.pem); default: the embedded one",
)
@fail_on_domain_errors
def receipt_verify(path: Path, root: Path | None) -> None:
    """Check a receipt's signature and certificate chain, offline."""
    from trading.bids.receipts import verify_receipt

    body = verify_receipt(
        _read_json(path, "receipt"), root.read_text(encoding="ascii") if root else None
    )
    click.echo(
        json.dumps(
            {
                "ok": True,
                "receipt": body,
                "root": "given" if root else "embedded (pass --root to pin the platform's root)",
            },
            ensure_ascii=False,
        )
    )


# --- talking to a server ------------------------------------------------------------------------


@click.group("bid")
def bid_group() -> None:
    """Fetch a sealing descriptor and submit sealed bids to a bidhall server over HTTP."""


server_option = click.option(
    "--server",
    envvar="BIDHALL_SERVER",
    required=True,
    help="e.g. https://trading.example.cn (or BIDHALL_SERVER)",
)
token_option = click.option(
    "--token", envvar="BIDHALL_TOKEN", required=True, help="your API token (or BIDHALL_TOKEN)"
)


@bid_group.command("descriptor")
@click.argument("tender_id", type=int)
@server_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@fail_on_domain_errors
def bid_descriptor(tender_id: int, server: str, output: Path) -> None:
    """Download a tender's sealing descriptor for offline sealing."""
    data = _call("GET", f"{server}/api/tenders/{tender_id}/sealing", None)
    output.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(json.dumps({"saved": str(output), "tender": data["tender"]["reference"]}))


@bid_group.command("submit")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@server_option
@token_option
@click.option("--piece-mib", default=8, show_default=True, help="bytes per request, in MiB")
@click.option("--retries", default=5, show_default=True)
@fail_on_domain_errors
def bid_submit(path: Path, server: str, token: str, piece_mib: int, retries: int) -> None:
    """Upload a sealed bid (resuming after dropped connections) and save its signed receipt."""
    from bidhall.envelope import reading as envelope_reading

    with open(path, "rb") as stream:
        sealed = envelope_reading.inspect(
            stream
        )  # never send a file the server would refuse anyway
    size = path.stat().st_size
    created = _call(
        "POST",
        f"{server}/api/tenders/{sealed.tender_id}/uploads",
        token,
        {"lot": sealed.lot, "size": size},
    )
    url = f"{server}/api/uploads/{created['upload_id']}"
    offset, failures = 0, 0
    with open(path, "rb") as stream:
        while offset < size:
            stream.seek(offset)
            piece = stream.read(piece_mib * 1024 * 1024)
            try:
                offset = _call(
                    "PATCH", url, token, raw=piece, headers={"Upload-Offset": str(offset)}
                )["offset"]
                failures = 0
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                failures += 1
                if failures > retries:
                    raise click.ClickException(
                        f"upload failed after {retries} retries: {error}"
                    ) from error
                time.sleep(min(2**failures, 30))
                offset = _call("GET", url, token)["offset"]  # resume where the server is
    answer = _call("POST", f"{url}/complete", token, {})
    receipt_path = path.with_name(path.name + ".receipt.json")
    receipt_path.write_text(
        json.dumps(answer["receipt"], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    click.echo(
        json.dumps(
            {
                "bid_id": answer["bid_id"],
                "manifest_sha256": answer["manifest_sha256"],
                "receipt": str(receipt_path),
            }
        )
    )


def _call(
    method: str,
    url: str,
    token: str | None,
    body: dict | None = None,
    *,
    raw: bytes | None = None,
    headers: dict | None = None,
) -> dict:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if raw is not None:
        request.add_header("Content-Type", "application/octet-stream")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        _refused(error)


def _download(url: str, token: str, path: Path, sha256: str | None = None) -> tuple[int, str]:
    """GET a file into ``path``; returns its size and sha256 hex. It goes through
    ``path.part``: a broken download, or one whose sha256 is not the expected one, leaves
    nothing under the real name."""
    request = urllib.request.Request(url)
    request.add_header("Authorization", f"Bearer {token}")
    digest, size = hashlib.sha256(), 0
    partial = path.with_name(path.name + ".part")
    try:
        with urllib.request.urlopen(request, timeout=120) as response, open(partial, "wb") as out:
            while piece := response.read(1024 * 1024):
                digest.update(piece)
                size += len(piece)
                out.write(piece)
        if sha256 and digest.hexdigest() != sha256:
            raise InvalidInput(
                f"{path.name} arrived with sha256 {digest.hexdigest()}, not the published "
                f"{sha256}: not kept; download it again",
                code="sha256_mismatch",
            )
        partial.replace(path)
    except urllib.error.HTTPError as error:
        _refused(error)
    finally:
        partial.unlink(missing_ok=True)
    return size, digest.hexdigest()


def _refused(error: urllib.error.HTTPError) -> NoReturn:
    """Print the server's refusal as `error: code: message` and exit 2, like a local one."""
    try:
        payload = json.loads(error.read())["error"]
    except (ValueError, KeyError, TypeError):
        payload = {"code": f"http_{error.code}", "message": error.reason}
    click.echo(f"error: {payload['code']}: {payload['message']}", err=True)
    sys.exit(2)
