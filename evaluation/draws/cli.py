"""`bidhall experts ...` (pools and the CSV import, run by the operator on the server) and
`bidhall draw verify` (offline: evaluation.rules, and bidhall.crypto.signed for a commitment's
signature)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from bidhall.cli_support import fail_on_domain_errors


def _echo(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("experts")
def experts_group() -> None:
    """Expert pools and their CSV import."""


@experts_group.command("pool")
@click.argument("region")
@click.option("--name", default="", help="e.g. the centre's name")
@with_appcontext
@fail_on_domain_errors
def pool_command(region: str, name: str) -> None:
    """Open a region's (centre's) pool, e.g. `bidhall experts pool 310000 --name Shanghai`."""
    from evaluation import services

    pool = services.create_pool("system:cli", region, name)
    _echo({"id": pool.id, "region": pool.region, "name": pool.name})


@experts_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(csv_file: Path) -> None:
    """Import experts from a CSV file (columns in docs/draw.md): every row or none. On any
    invalid row, prints each one with its line number and reasons (JSON) and exits 2."""
    from bidhall.errors import DomainError
    from evaluation import services

    data = csv_file.read_bytes()
    try:
        count = services.import_experts(
            "system:cli", services.read_csv(data), services.file_sha256(data)
        )
    except DomainError as error:
        _echo(error.to_payload())
        sys.exit(2)
    _echo({"imported": count, "file": str(csv_file)})


@click.group("draw")
def draw_group() -> None:
    """Expert draws."""


@draw_group.command("verify")
@click.argument("draw_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--commitment",
    "commitment_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the draw's signed commitment (GET /api/draws/<id>/commitment, best saved before the "
    "result); again for each supplementary round (?round=N)",
)
@click.option(
    "--root",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the platform's root certificate (GET /ca/root.pem) to check the commitments' "
    "signatures with; default: each commitment's own chain",
)
def verify_command(draw_file: Path, commitment_files: tuple[Path, ...], root: Path | None) -> None:
    """Recompute a published draw from its DRAW.json (GET /api/draws/<id>/verification): the
    seed against its commitment, the candidate list against its hash, the committee from both.
    With --commitment, also the seed, the candidate list and its exclusions against what the
    platform signed when the draw committed. Exit 0 when everything matches, 1 on any mismatch
    (a bad signature included), 2 for an unreadable file."""
    from bidhall.errors import DomainError, InvalidInput
    from evaluation.draws import rules

    if root is not None and not commitment_files:
        click.echo("error: --root checks a commitment's signature: give --commitment", err=True)
        sys.exit(2)
    try:
        document = json.loads(draw_file.read_text(encoding="utf-8"))
        problems = rules.verify(document)
    except (ValueError, DomainError) as error:
        click.echo(f"error: {draw_file} is not a draw verification file: {error}", err=True)
        sys.exit(2)
    root_pem = _root_pem(root) if root is not None else None
    checked, refused = set(), False
    for path in commitment_files:
        try:
            body = _signed_commitment(path, root_pem)
        except InvalidInput as error:
            click.echo(f"error: {path} is not a signed draw commitment: {error}", err=True)
            sys.exit(2)
        except DomainError as error:
            problems.append(f"{path}: {error.message}")
            refused = True
            continue
        problems += rules.check_commitment(document, body)
        checked.add(body["round"])
    if problems:
        for problem in problems:
            click.echo(f"MISMATCH: {problem}", err=True)
    else:
        seated = sum(len(r["members"]) for r in document["committee"].values())
        click.echo(
            f"OK: draw {document.get('draw_id')}: seed matches its commitment, the candidate "
            f"list its hash, and the {seated} members and their reserves are the ones they give"
        )
    if 0 in checked and not problems:
        origin = "root given" if root is not None else "embedded root: pass --root to pin it"
        click.echo(
            "the seed, the candidate list and its exclusions hash to the values the platform "
            f"committed to and signed ({origin})"
        )
    elif 0 not in checked and not refused:
        click.echo(
            "NOTE: no --commitment for the draw: only the file's internal consistency was "
            "checked; a file rewritten consistently (exclusions removed, list rehashed) would "
            f"pass too. Check it against GET /api/draws/{document.get('draw_id')}/commitment "
            "with --commitment."
        )
    for supplement in document.get("supplements") or []:
        if isinstance(supplement, dict) and supplement.get("round") not in checked:
            click.echo(
                f"NOTE: supplementary round {supplement.get('round')}: only its internal "
                "consistency was checked (no --commitment for it: ?round=N)"
            )
    if problems:
        sys.exit(1)


def _root_pem(root: Path) -> str:
    """The root certificate's PEM text; exits 2 when it is not one."""
    from cryptography import x509

    try:
        text = root.read_text(encoding="ascii")
        x509.load_pem_x509_certificate(text.encode())
    except ValueError:
        click.echo(f"error: {root} is not a PEM certificate", err=True)
        sys.exit(2)
    return text


def _signed_commitment(path: Path, root_pem: str | None) -> dict:
    """The body of a signed commitment file, once its signature and chain check out."""
    from bidhall.crypto import signed
    from bidhall.errors import InvalidInput
    from evaluation.draws import rules

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("not JSON", code="invalid_draw_commitment") from None
    return signed.verify(
        document, "commitment", rules.COMMITMENT_FORMAT, "draw commitment", root_pem
    )


@experts_group.command("venue")
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


@experts_group.command("declare")
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

    from bidhall.crypto import keys
    from bidhall.errors import DomainError
    from evaluation.draws import rules
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
    signature = bundle.signing_key.sign(rules.canonical(document))
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


@experts_group.command("fees")
@click.option("--draw", "draw_id", required=True, type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
@fail_on_domain_errors
def fees_command(draw_id: int, fmt: str, output: Path | None) -> None:
    """Export a draw's expert fees for the paying system (CSV or JSON), computed from the
    attendance recorded at check-in and check-out. The export is recorded in the ledger."""
    from evaluation.venues import services as venues

    text, _mimetype = venues.export_fees("system:cli", draw_id, fmt)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"fees of draw {draw_id} written to {output}")
    else:
        click.echo(text, nl=False)
