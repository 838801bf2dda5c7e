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
    from trading.publication import ocds, services

    base = (config.setting("PUBLIC_URL") or "http://localhost").rstrip("/")
    meta = services.package_meta(f"{base}/api/ocds/releases?after=0")
    texts = services.export_texts(tender)
    first = next(texts, None)  # an unknown tender fails here, before the file is opened
    pieces = ocds.release_package_text(meta, _chain(first, texts))
    if output is None:
        _write(sys.stdout, pieces)
        sys.stdout.write("\n")
        return
    with output.open("w", encoding="utf-8") as stream:
        _write(stream, pieces)
        stream.write("\n")


def _chain(first, rest):
    if first is None:
        return
    yield first
    yield from rest


def _write(stream, pieces) -> None:
    for piece in pieces:
        stream.write(piece)
