"""`bidhall audit verify|checkpoint|export`: the operators' commands on the ledger."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident ledger."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Recompute the whole hash chain and check every signed checkpoint. Exit 0 when intact;
    1 naming the first bad entry (or the checkpoint that shows the chain was rewritten)."""
    from audit.ledger import services

    check = services.verify()
    result = check.chain
    if not result.ok:
        finding = result.first_problem
        click.echo(
            json.dumps(
                {
                    "ok": False,
                    "first_bad_seq": finding.seq,
                    "problem": finding.problem,
                    "entries_intact": result.checked,
                }
            )
        )
        click.echo(f"ledger broken: {finding.describe()}", err=True)
        sys.exit(1)
    problem = check.checkpoint_problem
    if problem is not None:
        click.echo(
            json.dumps(
                {
                    "ok": False,
                    "first_bad_seq": problem.seq,
                    "problem": problem.problem,
                    "checkpoint_id": problem.checkpoint_id,
                    "entries_intact": result.checked,
                }
            )
        )
        click.echo(f"ledger broken: {problem.describe()}", err=True)
        sys.exit(1)
    click.echo(
        json.dumps(
            {
                "ok": True,
                "entries": result.checked,
                "head_seq": result.head_seq,
                "head_hash": result.head_hash,
                "checkpoints": check.checkpoints_checked,
            }
        )
    )


@audit_group.command("checkpoint")
@with_appcontext
def checkpoint_command() -> None:
    """Sign a checkpoint of the ledger head now."""
    from audit.ledger import services

    checkpoint = services.sign_checkpoint()
    click.echo(json.dumps({"checkpoint_seq": checkpoint.seq if checkpoint else None}))


@audit_group.command("export")
@click.argument("output", type=click.File("w", encoding="utf-8", lazy=True), default="-")
@click.option(
    "--checkpoints",
    "checkpoints_output",
    type=click.File("w", encoding="utf-8", lazy=True),
    help="also write the signed checkpoints and the CA chain that checks them to this file",
)
@with_appcontext
def export_command(output: TextIO, checkpoints_output: TextIO | None) -> None:
    """Write the ledger as JSON Lines to OUTPUT (default: stdout), and with --checkpoints its
    signed checkpoints, for outside verifiers (docs/ledger.md)."""
    from audit.ledger import services

    # checkpoints first: the chain only grows, so every exported checkpoint's entry is exported
    signed = services.export_checkpoints() if checkpoints_output is not None else None
    for line in services.export_lines():
        output.write(line + "\n")
    if checkpoints_output is not None:
        checkpoints_output.write(json.dumps(signed, ensure_ascii=False, indent=1) + "\n")
