"""`bidhall experts venue`, `declare` (offline, with the expert's key) and `fees`: the venues, the
recusal declaration and the fees' export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from bidhall.cli_support import fail_on_domain_errors


def _echo(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("venue")
@click.argument("code")
@click.option("--name", default="", help="e.g. the centre's evaluation room")
@click.option("--region", required=True, help="the centre's pool, e.g. 310000")
@click.option("--supervisor", required=True, help="the local supervisor's username")
@click.option("--workstations", required=True, type=int, help="numbered 1..N")
@with_appcontext
@fail_on_domain_errors
def venue_command(code: str, name: str, region: str, supervisor: str, workstations: int) -> None:
    """Open a venue of a centre, e.g. `bidhall experts venue SH-A --region 310000 --supervisor
    sup1 --workstations 20`."""
    from evaluation.venues import services as venues

    venue = venues.create_venue(
        "system:cli", code, name, region, venues.supervisor_by_name(supervisor), workstations
    )
    _echo(
        {
            "id": venue.id,
            "code": venue.code,
            "region": venue.region,
            "workstations": venue.workstations,
        }
    )


@click.command("declare")
@click.argument("declaration_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the expert's key file (bidhall keys new / enroll)",
)
@click.option("--conflict", "note", default=None, help="declare a conflict of interest: what it is")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--passphrase-env",
    default="BIDHALL_KEY_PASSPHRASE",
    show_default=True,
    metavar="NAME",
    help="environment variable holding the key file passphrase (asked for when it is unset)",
)
def declare_command(
    declaration_file: Path,
    key_file: Path,
    note: str | None,
    output: Path | None,
    passphrase_env: str,
) -> None:
    """Sign a recusal declaration offline with the expert's key: DECLARATION_FILE is the answer
    of GET /api/draws/<id>/declaration. Prints (or writes to --output) the body to POST back to
    the same address. The key never leaves this machine; no server is needed here."""
    import os

    from bidhall.canonical import canonical
    from bidhall.crypto import keys
    from bidhall.errors import DomainError
    from evaluation.venues import rules as venue_rules

    try:
        answer = json.loads(declaration_file.read_text(encoding="utf-8"))
        document = dict(answer.get("document", answer))
        if document.get("format") != venue_rules.DECLARATION_FORMAT:
            raise ValueError(f"not a {venue_rules.DECLARATION_FORMAT} declaration")
    except (ValueError, AttributeError, TypeError) as error:
        click.echo(f"error: {declaration_file}: {error}", err=True)
        sys.exit(2)
    passphrase = os.environ.get(passphrase_env) or click.prompt(
        "key file passphrase", hide_input=True
    )
    try:
        bundle = keys.open_bundle(key_file, passphrase)
    except DomainError as error:
        _echo(error.to_payload())
        sys.exit(2)
    document["no_conflict"] = note is None
    document["note"] = (note or "").strip()
    signature = bundle.signing_key.sign(canonical(document))
    body = {
        "no_conflict": document["no_conflict"],
        "note": document["note"],
        "signature": keys.b64(signature),
        "document": document,
    }
    text = json.dumps(body, ensure_ascii=False, indent=2)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"signed declaration written to {output}")
    else:
        click.echo(text)


@click.command("fees")
@click.option("--draw", "draw_id", required=True, type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
@fail_on_domain_errors
def fees_command(draw_id: int, fmt: str, output: Path | None) -> None:
    """Export a draw's expert fees for the paying system (CSV or JSON), computed from the
    attendance recorded at check-in and check-out. The export is recorded in the ledger."""
    from evaluation.venues import fee_services

    text, _mimetype = fee_services.export_fees("system:cli", draw_id, fmt)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"fees of draw {draw_id} written to {output}")
    else:
        click.echo(text, nl=False)


# commands of the `bidhall experts` group (the shell adds them)
venue_commands = (venue_command, declare_command, fees_command)
