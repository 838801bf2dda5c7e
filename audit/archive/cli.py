"""`bidhall archive export T [--output FILE]` and `bidhall archive verify FILE [--root PEM]`:
a finished tender's digital archive, written and checked offline (docs/archive.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from bidhall.cli_support import fail_on_domain_errors


@click.group("archive")
def archive_group() -> None:
    """The tender's digital archive (归档)."""


@archive_group.command("export")
@click.argument("tender")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the archive's file (default: archive-<reference>.zip)",
)
@with_appcontext
@fail_on_domain_errors
def export_command(tender: str, output: Path | None) -> None:
    """Write the archive of a finished, failed or terminated TENDER (its id or reference)."""
    from audit.archive import services

    exported = services.export_archive(tender, output, actor="system:cli")
    click.echo(
        json.dumps(
            {
                "archive": str(exported.path),
                "tender": exported.reference,
                "members": exported.members,
                "bytes": exported.size,
                "ledger_entries": exported.ledger_entries,
                "manifest_sha256": exported.manifest_sha256,
            }
        )
    )


@archive_group.command("verify")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the platform's root certificate to trust (GET /ca/root.pem); default: the one the "
    "archive carries, which proves integrity but not origin",
)
def verify_command(path: Path, root: Path | None) -> None:
    """Check every hash and signature of an archive offline. Prints one JSON object; exit 0
    when everything holds, 1 at the first problem."""
    from audit.archive.verify import verify_archive

    try:
        root_pem = root.read_text(encoding="utf-8") if root else None
    except UnicodeDecodeError:
        root_pem = "not a PEM"
    result = verify_archive(path, root_pem)
    click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    if not result.ok:
        sys.exit(1)
