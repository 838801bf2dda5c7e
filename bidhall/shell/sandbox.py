"""`bidhall sandbox init` and `bidhall sandbox serve`: the training sandbox (docs/sandbox.md), a
separate instance of the platform with its own folder and database, its clock running
SANDBOX_CLOCK_FACTOR times as fast, where agencies and bidders rehearse the whole procedure.

``init`` makes the folder, migrates its database and seeds the training accounts with the
demo's world (``bidhall.shell.demo``: the centre, tenderer, agency, supervisor, bidders, a bank,
the expert pools and venues, every holder with its key file); ``serve`` runs `bidhall serve`'s
server on it with SANDBOX on. Both refuse the live platform's database and folder, and ``serve``
only runs on a folder that ``init`` made (it carries MARKER, naming the database it was made
with), so a trainer cannot point a rehearsal at live records by mistake.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from bidhall.cli_support import async_mode_option, fail_on_domain_errors
from bidhall.errors import Conflict, InvalidInput

MARKER = ".bidhall-sandbox"


def sandbox_settings(
    instance: Path, database_url: str | None, factor: int | None, environ: Mapping[str, str]
) -> dict[str, Any]:
    """The sandbox app's settings: the demo centre's (regions, operator) where the environment
    sets none, the sandbox's own folder and database (SQLite there by default), no Redis,
    SANDBOX on."""
    from bidhall.shell.demo.context import demo_settings

    settings = {
        **demo_settings(instance, environ),
        "DATABASE_URL": database_url,
        # one process, its Socket.IO rooms in-process: never the live platform's Redis queue,
        # whose rooms have the same names (ids repeat across databases)
        "REDIS_URL": None,
        "SANDBOX": True,
    }
    if factor is not None:
        settings["SANDBOX_CLOCK_FACTOR"] = factor
    return settings


def database_of(instance: Path, database_url: str | None) -> str:
    return database_url or "sqlite:///" + str(instance / "bidhall.db")


def check_not_live(instance: Path, database_url: str, environ: Mapping[str, str]) -> None:
    """Refuse the live platform's folder (BIDHALL_INSTANCE) and database (DATABASE_URL, or the
    SQLite file in its folder): a rehearsal never touches live records."""
    from bidhall.config import DEFAULTS

    live_instance = Path(environ.get("BIDHALL_INSTANCE") or DEFAULTS["BIDHALL_INSTANCE"])
    live_database = environ.get("DATABASE_URL") or database_of(live_instance, None)
    if instance.resolve() == live_instance.resolve():
        raise Conflict(
            f"{instance} is the live platform's instance folder (BIDHALL_INSTANCE): the "
            "training sandbox needs a folder of its own (--instance)",
            code="sandbox_on_live_instance",
        )
    if _same_database(database_url, live_database):
        raise Conflict(
            "that is the live platform's database (DATABASE_URL): the training sandbox needs a "
            "database of its own (--database-url, or none for SQLite in its folder)",
            code="sandbox_on_live_database",
        )


def _same_database(one: str, other: str) -> bool:
    from sqlalchemy.engine import make_url

    first, second = make_url(one), make_url(other)
    if first.get_backend_name() == "sqlite" and second.get_backend_name() == "sqlite":
        return (
            bool(first.database)
            and Path(first.database).resolve() == Path(second.database or "").resolve()
        )
    keys = ("host", "port", "database")
    return first.get_backend_name() == second.get_backend_name() and all(
        getattr(first, key) == getattr(second, key) for key in keys
    )


def _shown(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def init_sandbox(instance: Path, database_url: str | None, environ: Mapping[str, str]) -> dict:
    """Make the sandbox in ``instance``: its database migrated and the training accounts."""
    from bidhall import migrate
    from bidhall.shell.app import create_app

    url = database_of(instance, database_url)
    check_not_live(instance, url, environ)
    if instance.exists() and any(instance.iterdir()):
        raise Conflict(
            f"{instance} is not empty"
            + (" (a sandbox made earlier)" if (instance / MARKER).exists() else "")
            + ": give a new folder with --instance, or delete this one to start over",
            code="sandbox_folder_not_empty",
        )
    app = create_app(
        {**sandbox_settings(instance, database_url, None, environ), "SCHEDULER_ENABLED": False}
    )
    with app.app_context():
        if migrate.current() is not None:
            raise Conflict(
                f"the database {_shown(url)} already has a schema: the training sandbox starts "
                "from an empty database of its own",
                code="sandbox_database_not_empty",
            )
        (instance / MARKER).write_text(
            json.dumps({"made_by": "bidhall sandbox init", "database": _shown(url)}) + "\n",
            encoding="utf-8",
        )
        migrate.upgrade()
        return _seed(instance) | {"instance": str(instance), "database": _shown(url)}


def _seed(instance: Path) -> dict:
    """The demo's world and committee people, with no tender: the trainees make their own."""
    from bidhall.shell.demo import committee, world
    from bidhall.shell.demo.context import DEMO_KEY_PASSPHRASE, DEMO_PASSWORD, Demo

    # the sandbox plays no chapter that moves time: its clock is the sandbox's own
    demo = Demo(instance=instance, fake=None)  # type: ignore[arg-type]
    world.run(demo)
    committee.import_experts(demo)
    committee.make_venues(demo)
    cast = demo.cast
    people = [cast.admin, cast.tenderer, cast.agency, cast.supervisor, *cast.bidders, cast.issuer]
    people += [*cast.venue_supervisors.values(), *cast.experts.values()]
    return {
        "accounts": [
            {"username": user.username, "role": user.role.value, "name": user.display_name}
            for user in people
        ],
        "password": DEMO_PASSWORD,
        "key_files": str(demo.keys_folder),
        "key_passphrase": DEMO_KEY_PASSPHRASE,
    }


def _sandbox_folder(instance: Path | None) -> Path:
    from bidhall.config import ROOT

    return instance or ROOT / "instance" / "sandbox"


_instance_option = click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BIDHALL_SANDBOX_INSTANCE",
    default=None,
    help="the sandbox's folder (or BIDHALL_SANDBOX_INSTANCE; default: instance/sandbox)",
)
_database_option = click.option(
    "--database-url",
    envvar="BIDHALL_SANDBOX_DATABASE_URL",
    default=None,
    help="the sandbox's own database (or BIDHALL_SANDBOX_DATABASE_URL; default: SQLite in "
    "its folder); never the live DATABASE_URL",
)


@click.group("sandbox")
def sandbox_group() -> None:
    """The training sandbox: rehearse the whole procedure on a fast clock (docs/sandbox.md)."""


@sandbox_group.command("init")
@_instance_option
@_database_option
@fail_on_domain_errors
def init_command(instance: Path | None, database_url: str | None) -> None:
    """Make the sandbox's folder and database, with the training accounts, and print them."""
    made = init_sandbox(_sandbox_folder(instance), database_url, os.environ)
    click.echo(f"training sandbox made in {made['instance']} (database {made['database']})")
    click.echo(f"training accounts, password for all: {made['password']}")
    for account in made["accounts"]:
        click.echo(f"  {account['username']:<16} {account['role']:<11} {account['name']}")
    click.echo(
        f"key files of the agency, supervisor, bidders, bank and experts: {made['key_files']} "
        f"(passphrase: {made['key_passphrase']})"
    )
    click.echo("start it with: bidhall sandbox serve")


@sandbox_group.command("serve")
@_instance_option
@_database_option
@click.option(
    "--factor",
    type=click.IntRange(1, 100_000),
    default=None,
    help="how many times faster than real time the clock runs (default: "
    "SANDBOX_CLOCK_FACTOR, 1440: a day a minute)",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@async_mode_option
@fail_on_domain_errors
def serve_command(
    instance: Path | None,
    database_url: str | None,
    factor: int | None,
    host: str,
    port: int,
    async_mode: str | None,
) -> None:
    """Run the web server on the sandbox, its clock running FACTOR times as fast."""
    from bidhall.shell.app import create_app
    from bidhall.shell.cli import run_server

    instance = _sandbox_folder(instance)
    url = database_of(instance, database_url)
    check_not_live(instance, url, os.environ)
    marker = instance / MARKER
    if not marker.exists():
        raise InvalidInput(
            f"{instance} is no training sandbox: make one with `bidhall sandbox init` first",
            code="sandbox_not_initialised",
        )
    made_with = json.loads(marker.read_text(encoding="utf-8")).get("database")
    if made_with != _shown(url):
        raise Conflict(
            f"this sandbox was made with the database {made_with}, not {_shown(url)}",
            code="sandbox_database_mismatch",
        )
    app = create_app(sandbox_settings(instance, database_url, factor, os.environ))
    click.echo(
        f"training sandbox: the clock runs {app.config['SANDBOX_CLOCK_FACTOR']}× faster; "
        "nothing here is published, exported, counted or mailed"
    )
    with app.app_context():
        run_server(app, host, port, False, async_mode)
