"""``bidhall report verify REPORT.pdf [--root root.pem]``: check a sealed evaluation report
offline — the platform's seal, the attached report and every member's signature — printing each
check as JSON; exit 0 when all pass, 1 when one fails, 2 when the input cannot be used."""

from __future__ import annotations

import json
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
