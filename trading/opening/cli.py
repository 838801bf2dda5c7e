"""The opening hall from a terminal.

- ``bidhall open-key --tender T --key me.bhkey`` (a bidder, or an opening custodian): fetch the
  headers of the envelopes the caller may unlock, unwrap the data keys (a bidder) or the shares
  (a custodian) **on this machine**, and hand them to the hall. The private key never leaves the
  machine; the server checks what it gets against the bid's ciphertext. Standard library HTTP.
- ``bidhall opening verify RECORD [--root root.pem]``: re-check a published opening record
  offline (signature, chain, every summary re-decrypted from the published ciphertext and key,
  every announced item).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import uuid
from pathlib import Path

import click

from bidhall.cli_support import fail_on_domain_errors
from bidhall.errors import InvalidInput
from trading.bids.cli import (
    PASSPHRASE_ENV,
    _call,
    _passphrase,
    _read_json,
    server_option,
    token_option,
)


@click.command("open-key")
@click.option("--tender", "tender_id", type=int, required=True, help="the tender's id")
@click.option(
    "--key",
    "key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="your bidhall-key/1 file (.bhkey): it holds the X25519 encryption key",
)
@click.option("--bid", "bid_id", type=int, help="only this bid")
@server_option
@token_option
@click.option("--passphrase-env", default=PASSPHRASE_ENV, show_default=True)
@click.option("--retries", default=3, show_default=True)
@fail_on_domain_errors
def open_key(
    tender_id: int,
    key_path: Path,
    bid_id: int | None,
    server: str,
    token: str,
    passphrase_env: str,
    retries: int,
) -> None:
    """Decrypt your bids remotely at the opening (or hand in your custodian shares)."""
    from bidhall.crypto import keys
    from bidhall.envelope import keys as envelope
    from bidhall.envelope import unsealing

    data = keys.read_key_file(key_path)
    if not data.lstrip().startswith(b"{"):
        raise InvalidInput(
            f"{key_path} is not a bidhall-key/1 file. A PKCS#12 (.p12) file cannot hold the "
            "X25519 encryption key that unlocks a bid; use the .bhkey file you enrolled with",
            code="not_a_key_file",
        )
    bundle = keys.load_bundle(data, _passphrase(passphrase_env))
    base = f"{server}/api/tenders/{tender_id}/opening"
    listed = _call("GET", f"{base}/envelopes", token)["envelopes"]
    if bid_id is not None:
        listed = [e for e in listed if e["bid_id"] == bid_id]
    if not listed:
        raise InvalidInput("nothing for you to unlock in this hall now", code="nothing_to_unlock")
    mine = envelope.fingerprint(bundle.encryption_cert)
    for entry in listed:
        body: dict = {"bid_id": entry["bid_id"], "cmd_id": uuid.uuid4().hex}
        if entry["as"] == "holder":
            name, suffix, fingerprint = "decrypt", "key", None
        else:
            if entry.get("custodian_fingerprint") != mine:
                raise InvalidInput(
                    "this key file is not the custodian certificate the tender was sealed to",
                    code="wrong_custodian_key",
                )
            name, suffix, fingerprint = "share", "share", mine
        unlocked = unsealing.opening_secrets(entry["header"], bundle.encryption_key, fingerprint)
        for section, value in unlocked.items():
            body[f"{section}_{suffix}"] = base64.b64encode(value).decode()
        answer = _send(f"{base}/{name}", token, body, retries)
        click.echo(json.dumps({"bid_id": entry["bid_id"], "command": name, **_brief(answer)}))


def _send(url: str, token: str, body: dict, retries: int) -> dict:
    """Send a command; on a dropped connection send it again with the same cmd_id (the hall
    applies it once)."""
    for attempt in range(retries + 1):
        try:
            return _call("POST", url, token, body)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if attempt == retries:
                raise
            time.sleep(min(2**attempt, 10))
    raise AssertionError("unreachable")


def _brief(answer: dict) -> dict:
    return {
        k: answer[k] for k in ("bid_no", "seq", "shares", "recovered", "replayed") if k in answer
    }


@click.group("opening")
def opening_group() -> None:
    """The online opening hall's records."""


@opening_group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the platform's root certificate (GET /ca/root.pem); default: the record's own chain",
)
@fail_on_domain_errors
def opening_verify(path: Path, root: Path | None) -> None:
    """Re-check a published opening record, offline."""
    from trading.opening.record import verify_record

    finding = verify_record(
        _read_json(path, "opening record"),
        root.read_text(encoding="utf-8") if root else None,
    )
    click.echo(
        json.dumps(
            {
                "ok": finding.ok,
                "bids": finding.bids,
                "opened": finding.opened,
                "problems": finding.problems,
            },
            ensure_ascii=False,
        )
    )
    if not finding.ok:
        raise SystemExit(1)
