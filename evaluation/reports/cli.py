"""The evaluation report on the command line:

- ``bidhall report verify REPORT.pdf [--root root.pem]``: check a sealed evaluation report
  offline — the platform's seal, the attached report and every member's signature — printing
  each check as JSON; exit 0 when all pass, 1 when one fails, 2 when the input cannot be used.
- ``bidhall report sign --session N --key me.bhkey``: a member signs the finalized report with
  its own key file, over HTTP (the second way beside the session page): the bytes to sign come
  from the member's own state, the signature goes back as the ``sign_report`` command."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import click

from bidhall.cli_support import fail_on_domain_errors
from bidhall.errors import InvalidInput


@click.group("report")
def report_group() -> None:
    """The evaluation report (评标报告)."""


@report_group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the platform's root certificate (GET /ca/root.pem); default: the one the seal carries",
)
@fail_on_domain_errors
def report_verify(path: Path, root: Path | None) -> None:
    """Re-check a sealed evaluation report PDF, offline."""
    from evaluation.reports.verify import verify_pdf

    try:
        root_pem = root.read_text(encoding="utf-8") if root else None
    except UnicodeDecodeError:
        raise InvalidInput(f"{root} is not a PEM certificate", code="invalid_root") from None
    finding = verify_pdf(path.read_bytes(), root_pem)
    click.echo(json.dumps(finding.to_json(), ensure_ascii=False, indent=2))
    if not finding.ok:
        raise SystemExit(1)


@report_group.command("sign")
@click.option("--session", "session_id", type=int, required=True, help="the session's id")
@click.option(
    "--key",
    "key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="your bidhall-key/1 file (.bhkey): it holds your Ed25519 signing key",
)
@click.option("--server", envvar="BIDHALL_SERVER", required=True, help="or BIDHALL_SERVER")
@click.option("--token", envvar="BIDHALL_TOKEN", required=True, help="or BIDHALL_TOKEN")
@click.option("--passphrase-env", default="BIDHALL_KEY_PASSPHRASE", show_default=True)
@fail_on_domain_errors
def report_sign(
    session_id: int, key_path: Path, server: str, token: str, passphrase_env: str
) -> None:
    """Sign the finalized evaluation report as a member of its committee."""
    from bidhall.crypto import keys
    from trading.bids.cli import _call, _passphrase

    bundle = keys.load_bundle(keys.read_key_file(key_path), _passphrase(passphrase_env))
    base = f"{server}/api/evaluation/{session_id}"
    report = _call("GET", base, token).get("report") or {}
    to_sign = report.get("to_sign")
    if to_sign is None:
        raise InvalidInput(
            "there is no report for you to sign in this session yet", code="nothing_to_sign"
        )
    signature = bundle.signing_key.sign(base64.b64decode(to_sign["signing_bytes"]))
    answer = _call(
        "POST",
        f"{base}/sign_report",
        token,
        {"cmd_id": uuid.uuid4().hex, "signature": base64.b64encode(signature).decode()},
    )
    click.echo(
        json.dumps(
            {
                "session_id": session_id,
                "seat": to_sign["seat"],
                "report_sha256": to_sign["report_sha256"],
                "signed": answer.get("signed", False),
            }
        )
    )
