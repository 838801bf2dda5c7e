"""`bidhall demo`: the click command, and ``run_demo``, which plays the chapters in order on a
fresh instance and returns the summary."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import click

from bidhall import clock
from bidhall.cli_support import fail_on_domain_errors
from bidhall.shell.demo.context import DEMO_PASSWORD, Demo, clear_demo_folder, demo_settings


def run_demo(instance: Path) -> dict:
    """Build a fresh demo world in ``instance`` and play the life cycle. Returns the summary."""
    from audit.ledger import chain as ledger
    from audit.ledger import checkpoints as audit_checkpoints
    from bidhall import migrate
    from bidhall.db import db
    from bidhall.shell.app import create_app

    clear_demo_folder(instance)
    app = create_app({**demo_settings(instance, os.environ), "SCHEDULER_ENABLED": False})
    real_now = clock.now().replace(second=0, microsecond=0)
    fake = clock.FakeClock(real_now - timedelta(days=40))
    clock.use(fake)
    summary: dict = {}
    try:
        with app.app_context():
            migrate.upgrade()
            demo = Demo(instance=instance, fake=fake)
            demo.say(f"database {db.url} migrated")
            # imported here, once the app's models are known (as the shell's CLI does)
            from bidhall.shell.demo import (
                archive,
                award,
                bids,
                committee,
                evaluation,
                opening,
                second_tender,
                supervision,
                tender,
                world,
            )

            chapters = (
                *(world, tender, bids, committee, opening, evaluation, award, archive),
                second_tender,
            )
            for chapter in (*chapters, supervision):
                chapter.run(demo)

            verification = ledger.verify(db.session)
            checkpoints_checked, checkpoint_problem = audit_checkpoints.verify(db.session)
            demo.say(
                f"ledger verified: {verification.checked} entries, head "
                f"{verification.head_hash[:16]}…"
            )
            summary = _summary(demo, verification, checkpoints_checked, checkpoint_problem)
            summary.update(_export_open_data(demo, instance))
    finally:
        clock.use(clock.SystemClock())
    return summary


def _summary(demo: Demo, verification, checkpoints_checked: int, checkpoint_problem) -> dict:
    from bidhall.db import db
    from bidhall.notifications import services as messages
    from trading.tenders import queries

    finding, tender = demo.opening_finding, demo.tender
    return {
        "ok": verification.ok
        and checkpoint_problem is None
        and demo.receipts_verified == len(demo.receipts)
        and finding.ok
        and demo.evaluation.get("report_verified") is True
        and bool(demo.award.get("contract_signed_on"))
        and demo.archive.get("verified") is True
        and len(demo.alerts) >= 2
        and any(alert["state"] == "resolved" for alert in demo.alerts),
        "opening_record": str(demo.record_path),
        "opened": finding.opened,
        "signed_checkpoints": checkpoints_checked,
        "tenders": 2,
        "bids_sealed": len(demo.receipts) + 1,
        "bid_security": demo.security,
        "receipts_verified": demo.receipts_verified,
        "tender": tender.reference,
        "state": tender.state.value,
        "holders": queries.holder_count(tender.id),
        "deadline_moved": demo.notice.moved_deadline,
        "ledger_entries": verification.checked,
        "ledger_head": verification.head_hash,
        "database": db.url,
        "admin": demo.cast.admin.username,
        "evaluation": demo.evaluation,
        "award": demo.award,
        "archive": demo.archive,
        "alerts": demo.alerts,
        "credit": demo.credit,
        "messages": messages.counts_by_kind(),
        "statistics": _statistics(),
    }


def _statistics() -> dict:
    """The statistics' headline figures over the demo's months (/statistics shows them)."""
    from trading.statistics import forms, queries

    return queries.headline(forms.request_window({"period": "month"}))


def _export_open_data(demo: Demo, instance: Path) -> dict:
    """The published OCDS releases of the demo, as `bidhall ocds export` writes them."""
    from trading.publication import services as publication

    path = instance / "ocds-releases.json"
    with path.open("w", encoding="utf-8") as stream:
        count = publication.write_export(
            stream, publication.export_texts(), "http://localhost/api/ocds/releases?after=0"
        )
    demo.say(f"open data: {count} OCDS releases exported to {path}")
    return {"ocds_releases": count, "ocds_export": str(path)}


@click.command("demo")
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BIDHALL_INSTANCE",
    default=None,
    help="folder for the demo's database and files, wiped first "
    "(or BIDHALL_INSTANCE; default: instance/demo)",
)
@click.option("--serve", is_flag=True, help="then start the web server on the demo data")
@click.option("--host", default="127.0.0.1", show_default=True, help="with --serve")
@click.option("--port", default=5000, show_default=True, type=int, help="with --serve")
@fail_on_domain_errors
def demo_command(instance: Path | None, serve: bool, host: str, port: int) -> None:
    """Play a whole tender life cycle on the embedded default and print a JSON summary."""
    from bidhall.config import ROOT

    instance = instance or ROOT / "instance" / "demo"
    summary = run_demo(instance)
    click.echo(json.dumps(summary, ensure_ascii=False))
    if not summary.get("ok"):
        raise SystemExit(1)
    if serve:
        from bidhall import scheduler
        from bidhall.extensions import socketio
        from bidhall.shell.app import create_app

        app = create_app(demo_settings(instance, os.environ))
        scheduler.start_background(app)
        click.echo(
            f"serving the demo on http://{host}:{port}/ — sign in as agency, "
            f"supervisor, bidder1 or admin with password {DEMO_PASSWORD}"
        )
        # FlaskGroup marks the process as "flask run"; ours is a real server, not a dev reload
        os.environ.pop("FLASK_RUN_FROM_CLI", None)
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
