"""The `bidhall` command: kernel commands here; domain commands come from each package's cli."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime

import click
from flask.cli import FlaskGroup, with_appcontext

from bidhall.cli_support import async_mode_option, fail_on_domain_errors


def _create_app():  # FlaskGroup calls this lazily, so `bidhall --help` stays cheap
    from bidhall.config import ConfigError
    from bidhall.shell.app import create_app

    try:
        return create_app()
    except ConfigError as error:
        # an operator's setting, not a bug: one line that says what to set, no traceback
        raise click.ClickException(f"configuration: {error}") from None


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """bidhall — electronic public-resource trading and remote bid evaluation."""


# --- database -----------------------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the schema up to REVISION (default: the newest)."""
    from bidhall import migrate
    from bidhall.db import db

    migrate.upgrade(revision)
    click.echo(f"database {db.url} at revision {migrate.current()}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    from bidhall import migrate

    migrate.downgrade(revision)
    click.echo(f"database at revision {migrate.current()}")


# --- accounts -----------------------------------------------------------------------------------


@main.group("orgs")
def orgs_group() -> None:
    """Organisations."""


@orgs_group.command("create")
@click.argument("name")
@click.option(
    "--kind", required=True, help="tenderer, agency, bidder, expert, authority, issuer, platform"
)
@click.option("--credit-code", default=None)
@with_appcontext
@fail_on_domain_errors
def orgs_create(name: str, kind: str, credit_code: str | None) -> None:
    from bidhall.accounts import services

    org = services.create_organisation("system:cli", name, kind, credit_code)
    click.echo(json.dumps({"id": org.id, "name": org.name, "kind": org.kind}))


@main.group("users")
def users_group() -> None:
    """Users and API tokens."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True)
@click.option(
    "--organisation",
    "organisation",
    required=True,
    help="organisation name or id; created with the role's kind if --create-org",
)
@click.option("--create-org", is_flag=True, help="register the organisation when it is new")
@click.option("--display-name", default=None)
@click.option(
    "--password",
    envvar="BIDHALL_PASSWORD",
    default=None,
    help="read from BIDHALL_PASSWORD, or asked for when not given",
)
@with_appcontext
@fail_on_domain_errors
def users_create(
    username: str,
    role: str,
    organisation: str,
    create_org: bool,
    display_name: str | None,
    password: str | None,
) -> None:
    """Register a user (the platform administrator's command)."""
    from bidhall.accounts import services
    from bidhall.accounts.models import ORG_KIND_FOR_ROLE, Role
    from bidhall.errors import InvalidInput, NotFound

    if password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    org = _find_org(organisation)
    if org is None:
        if not create_org:
            raise NotFound(
                f"no organisation {organisation!r} (add --create-org to register it)",
                code="organisation_not_found",
            )
        try:
            kind = ORG_KIND_FOR_ROLE[Role(role)]
        except ValueError:
            raise InvalidInput(f"unknown role {role!r}", code="invalid_role") from None
        org = services.create_organisation("system:cli", organisation, kind)
    user = services.create_user("system:cli", username, password, role, org.id, display_name)
    click.echo(
        json.dumps(
            {
                "id": user.id,
                "username": user.username,
                "role": user.role.value,
                "organisation_id": org.id,
            }
        )
    )


@users_group.command("token")
@click.argument("username")
@click.option("--name", default="cli")
@with_appcontext
@fail_on_domain_errors
def users_token(username: str, name: str) -> None:
    """Issue an API token for USERNAME; printed once, only its hash is kept."""
    from sqlalchemy import select

    from bidhall.accounts import services
    from bidhall.accounts.models import User
    from bidhall.db import db
    from bidhall.errors import NotFound

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}", code="user_not_found")
    _token, secret = services.issue_token(user.id, name)
    click.echo(secret)


def _find_org(name_or_id: str):
    from sqlalchemy import select

    from bidhall.accounts.models import Organisation
    from bidhall.db import db

    if re.fullmatch(r"[0-9]{1,9}", name_or_id):
        return db.session.get(Organisation, int(name_or_id))
    return db.session.scalar(select(Organisation).where(Organisation.name == name_or_id))


# --- time ---------------------------------------------------------------------------------------


@main.command("tick")
@click.option("--at", "at", default=None, help="ISO time with zone (default: now)")
@with_appcontext
def tick_command(at: str | None) -> None:
    """Run every time-driven transition that is due, once."""
    from bidhall import clock, scheduler

    when = datetime.fromisoformat(at) if at else clock.now()
    if when.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-03-01T09:30+08:00", param_hint="--at")
    report = scheduler.tick(when)
    click.echo(
        json.dumps(
            {name: [_plain(result) for result in results] for name, results in report.items()}
        )
    )


def _plain(result: object) -> object:
    """A job's report item as JSON: dataclasses as their fields, tuples as lists."""
    import dataclasses

    if dataclasses.is_dataclass(result):
        return {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(result).items()
        }
    return result


# --- serving ------------------------------------------------------------------------------------


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-scheduler", is_flag=True, help="leave the tick to another process")
@async_mode_option
@with_appcontext
def serve(host: str, port: int, no_scheduler: bool, async_mode: str | None) -> None:
    """Run the web server with Socket.IO and the in-process scheduler.

    Several processes share the Socket.IO rooms through Redis: start each with REDIS_URL set and
    its own --port, and --no-scheduler on all but one (behind a sticky load balancer)."""
    from flask import current_app

    run_server(current_app._get_current_object(), host, port, no_scheduler, async_mode)


def run_server(app, host: str, port: int, no_scheduler: bool, async_mode: str | None) -> None:
    """Serve ``app`` (inside its app context): `bidhall serve`, and `bidhall sandbox serve` on
    the training sandbox's app."""
    from bidhall import migrate, scheduler
    from bidhall.extensions import socketio

    running = socketio.server.eio.async_mode
    if async_mode is not None and async_mode != running:
        # the mode is chosen (and gevent's monkey-patching done) by bidhall.__main__ before any
        # import; a caller that skipped it (bidhall.shell.cli.main directly) cannot switch here
        raise click.UsageError(
            f"the app was created in {running} mode: start `bidhall serve --async-mode "
            f"{async_mode}` through the `bidhall` command (bidhall.__main__)"
        )
    if running == "gevent":
        from gevent import monkey

        if not monkey.is_module_patched("socket"):
            raise click.UsageError(
                "gevent mode needs the process monkey-patched before anything is imported: "
                "start it through the `bidhall` command (bidhall.__main__)"
            )
    migrate.upgrade()
    if app.config["SCHEDULER_ENABLED"] and not no_scheduler:
        scheduler.start_background(app)  # a greenlet under gevent (threading is patched)
    click.echo(f"bidhall serving on http://{host}:{port}/ ({running} mode)")
    # FlaskGroup marks the process as "flask run"; ours is a real server, not a dev reload
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    options = {"handler_class": _websocket_closing_handler()} if running == "gevent" else {}
    socketio.run(
        app,
        host=host,
        port=port,
        allow_unsafe_werkzeug=True,  # threading mode only (Werkzeug); gevent serves with pywsgi
        use_reloader=False,
        log_output=bool(os.environ.get("BIDHALL_ACCESS_LOG")),
        **options,
    )


def _websocket_closing_handler() -> type:
    """gevent's WSGI handler, closing the connection once a websocket has ended.

    simple-websocket works on a duplicate of the socket; without this, pywsgi goes on reading
    the original as keep-alive HTTP and logs the client's last websocket frames as an "Invalid
    HTTP method" (one line per disconnecting client)."""
    from gevent import pywsgi

    class Handler(pywsgi.WSGIHandler):
        def run_application(self) -> None:
            try:
                super().run_application()
            finally:
                if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                    self.close_connection = True

    return Handler


def _register_domain_commands() -> None:
    from audit.archive.cli import archive_group
    from audit.ledger.cli import audit_group
    from bidhall.crypto.cli import ca_group, keys_group
    from bidhall.shell.demo import demo_command
    from bidhall.shell.sandbox import sandbox_group
    from evaluation.draws.cli import draw_group
    from evaluation.experts.cli import experts_group
    from evaluation.presence.cli import venue_group
    from evaluation.reports.cli import report_group
    from evaluation.venues.cli import venue_commands
    from trading.bids.cli import bid_group, receipt_group, seal_group
    from trading.opening.cli import open_key, opening_group
    from trading.publication.cli import ocds_group
    from trading.tenders.cli import tender_group

    main.add_command(seal_group)
    main.add_command(receipt_group)
    main.add_command(bid_group)
    main.add_command(ca_group)
    main.add_command(keys_group)
    main.add_command(audit_group)
    main.add_command(archive_group)
    main.add_command(tender_group)
    main.add_command(demo_command)
    main.add_command(sandbox_group)
    for command in venue_commands:  # `bidhall experts venue`, `declare`, `fees`
        experts_group.add_command(command)
    main.add_command(experts_group)
    main.add_command(draw_group)
    main.add_command(open_key)
    main.add_command(opening_group)
    main.add_command(report_group)
    main.add_command(venue_group)
    main.add_command(ocds_group)


_register_domain_commands()
