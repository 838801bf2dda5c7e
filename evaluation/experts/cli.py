"""`bidhall experts pool` and `bidhall experts import`: the experts' pools and the CSV import, run
by the operator on the server."""

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
    from evaluation.experts import services

    pool = services.create_pool("system:cli", region, name)
    _echo({"id": pool.id, "region": pool.region, "name": pool.name})


@experts_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(csv_file: Path) -> None:
    """Import experts from a CSV file (columns in docs/draw.md): every row or none. On any
    invalid row, prints each one with its line number and reasons (JSON) and exits 2."""
    from bidhall.errors import DomainError
    from evaluation.experts import services

    data = csv_file.read_bytes()
    try:
        count = services.import_experts(
            "system:cli", services.read_csv(data), services.file_sha256(data)
        )
    except DomainError as error:
        _echo(error.to_payload())
        sys.exit(2)
    _echo({"imported": count, "file": str(csv_file)})
