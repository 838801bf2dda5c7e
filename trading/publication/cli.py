"""``bidhall ocds export [--tender T] [--output FILE]``: the published OCDS releases (all, or one
tender's, by reference or id) as one release package, streamed to a file or standard output."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from bidhall.cli_support import fail_on_domain_errors


@click.group("ocds")
def ocds_group() -> None:
    """Open data in the Open Contracting Data Standard (docs/open-data.md)."""


@ocds_group.command("export")
@click.option("--tender", "tender", help="only this tender (its reference or id)")
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="write here (default: standard output)",
)
@with_appcontext
@fail_on_domain_errors
def export_command(tender: str | None, output: Path | None) -> None:
    """Write the published releases as an OCDS 1.1 release package (JSON)."""
    from bidhall import config
    from trading.publication import services

    base = (config.setting("PUBLIC_URL") or "http://localhost").rstrip("/")
    uri = f"{base}/api/ocds/releases?after=0"
    texts = services.export_texts(tender)  # an unknown tender fails here, before any file
    if output is None:
        services.write_export(sys.stdout, texts, uri)
        return
    with output.open("w", encoding="utf-8") as stream:
        count = services.write_export(stream, texts, uri)
    click.echo(f"{count} releases written to {output}", err=True)
