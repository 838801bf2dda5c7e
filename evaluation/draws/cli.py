"""`bidhall draw verify`: offline, with evaluation.draws.commitment, and bidhall.crypto.signed for
a commitment's signature."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


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
    from evaluation.draws import commitment

    if root is not None and not commitment_files:
        click.echo("error: --root checks a commitment's signature: give --commitment", err=True)
        sys.exit(2)
    try:
        document = json.loads(draw_file.read_text(encoding="utf-8"))
        problems = commitment.verify(document)
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
        problems += commitment.check_commitment(document, body)
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
    from evaluation.draws import commitment

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("not JSON", code="invalid_draw_commitment") from None
    return signed.verify(
        document, "commitment", commitment.COMMITMENT_FORMAT, "draw commitment", root_pem
    )
