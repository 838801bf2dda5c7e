"""`bidhall experts ...` (pools and the CSV import, run by the operator on the server) and
`bidhall draw verify` (offline: the standard library and evaluation.rules only)."""

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
def verify_command(draw_file: Path) -> None:
    """Recompute a published draw from its DRAW.json (GET /api/draws/<id>/verification): the
    seed against its commitment, the candidate list against its hash, the committee from both.
    Exit 0 when everything matches, 1 on any mismatch, 2 for an unreadable file."""
    from bidhall.errors import DomainError
    from evaluation import rules

    try:
        document = json.loads(draw_file.read_text(encoding="utf-8"))
        problems = rules.verify(document)
    except (ValueError, DomainError) as error:
        click.echo(f"error: {draw_file} is not a draw verification file: {error}", err=True)
        sys.exit(2)
    if problems:
        for problem in problems:
            click.echo(f"MISMATCH: {problem}", err=True)
        sys.exit(1)
    seated = sum(len(r["members"]) for r in document["committee"].values())
    click.echo(
        f"OK: draw {document.get('draw_id')}: seed matches its commitment, the candidate list "
        f"its hash, and the {seated} members and their reserves are the ones they give"
    )
