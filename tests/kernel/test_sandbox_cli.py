"""`bidhall sandbox init` and `bidhall sandbox serve` (docs/sandbox.md): the training sandbox is
a folder and database of its own, seeded with the training accounts, never the live ones."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.request

import pytest
from click.testing import CliRunner

from bidhall import clock as clock_module
from bidhall.shell.demo.context import DEMO_PASSWORD
from tests.fixtures.app import wait_until_serving
from tests.fixtures.database import postgres_database

BIDHALL = os.path.join(os.path.dirname(sys.executable), "bidhall")


@pytest.fixture
def sandbox_database():
    """The sandbox's own database: None (SQLite in its folder), or on PostgreSQL a fresh one."""
    server = os.environ.get("BIDHALL_TEST_DATABASE_URL")
    if not server:
        yield None
        return
    with postgres_database(server, "bidhall_sandbox") as url:
        yield url
        from bidhall.db import db

        db.dispose()  # the sandbox app's connections, before the database is dropped


@pytest.fixture
def live(tmp_path) -> dict[str, str]:
    """The live platform's environment: its folder and its database."""
    folder = tmp_path / "live"
    url = os.environ.get("BIDHALL_TEST_DATABASE_URL") or f"sqlite:///{folder / 'bidhall.db'}"
    return {"BIDHALL_INSTANCE": str(folder), "DATABASE_URL": url}


@pytest.fixture
def sandbox_cli(live):
    """`bidhall sandbox ...` in this process, with the live platform's environment; the clock
    the sandbox's app installs is put back afterwards."""
    from bidhall.shell.cli import main

    def invoke(*args: str):
        return CliRunner().invoke(main, ["sandbox", *args], env=live)

    yield invoke
    clock_module.use(clock_module.SystemClock())


def options(instance, database_url) -> list[str]:
    return ["--instance", str(instance)] + (
        ["--database-url", database_url] if database_url else []
    )


def test_sandbox_init_makes_a_usable_database_with_the_training_accounts(
    sandbox_cli, sandbox_database, tmp_path
):
    from bidhall import migrate
    from bidhall.db import db
    from bidhall.shell.app import create_app
    from bidhall.shell.sandbox import sandbox_settings
    from tests.fixtures.app import csrf_token

    instance = tmp_path / "sandbox"
    result = sandbox_cli("init", *options(instance, sandbox_database))
    assert result.exit_code == 0, result.output
    for username in ("admin", "tenderer", "agency", "supervisor", "bidder1", "expert01"):
        assert re.search(rf"^  {username} ", result.output, re.MULTILINE), result.output
    assert f"password for all: {DEMO_PASSWORD}" in result.output
    assert (instance / "keys" / "bidder1.bhkey").exists()
    if sandbox_database is None:
        assert (instance / "bidhall.db").exists()

    app = create_app(
        {**sandbox_settings(instance, sandbox_database, None, {}), "SCHEDULER_ENABLED": False}
    )
    with app.app_context():
        assert migrate.current() is not None
    client = app.test_client()
    signed_in = client.post(
        "/login",
        data={"username": "agency", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert signed_in.status_code == 302
    assert 'data-testid="sandbox-banner"' in client.get("/").get_data(as_text=True)
    db.dispose()


def test_sandbox_init_refuses_the_live_database(sandbox_cli, live, tmp_path):
    result = sandbox_cli("init", *options(tmp_path / "sandbox", live["DATABASE_URL"]))
    assert result.exit_code == 2
    assert "sandbox_on_live_database" in result.output
    assert not (tmp_path / "sandbox").exists()


def test_sandbox_init_refuses_the_live_instance_folder(sandbox_cli, live):
    result = sandbox_cli("init", "--instance", live["BIDHALL_INSTANCE"])
    assert result.exit_code == 2
    assert "sandbox_on_live_instance" in result.output


def test_sandbox_init_refuses_a_folder_that_is_not_empty(sandbox_cli, tmp_path):
    instance = tmp_path / "sandbox"
    instance.mkdir()
    (instance / "notes.txt").write_text("keep me")
    result = sandbox_cli("init", "--instance", str(instance))
    assert result.exit_code == 2
    assert "sandbox_folder_not_empty" in result.output
    assert (instance / "notes.txt").read_text() == "keep me"


def test_sandbox_serve_refuses_the_live_database(sandbox_cli, live, tmp_path):
    result = sandbox_cli("serve", *options(tmp_path / "sandbox", live["DATABASE_URL"]))
    assert result.exit_code == 2
    assert "sandbox_on_live_database" in result.output


def test_sandbox_serve_refuses_the_live_database_given_in_the_environment(
    sandbox_cli, live, tmp_path, monkeypatch
):
    monkeypatch.setenv("BIDHALL_SANDBOX_DATABASE_URL", live["DATABASE_URL"])
    result = sandbox_cli("serve", "--instance", str(tmp_path / "sandbox"))
    assert result.exit_code == 2
    assert "sandbox_on_live_database" in result.output


def test_sandbox_serve_refuses_a_folder_sandbox_init_did_not_make(sandbox_cli, tmp_path):
    result = sandbox_cli("serve", "--instance", str(tmp_path / "elsewhere"))
    assert result.exit_code == 2
    assert "sandbox_not_initialised" in result.output


def test_sandbox_serve_refuses_another_database_than_the_sandbox_was_made_with(
    sandbox_cli, tmp_path
):
    instance = tmp_path / "sandbox"
    assert sandbox_cli("init", "--instance", str(instance)).exit_code == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = sandbox_cli("serve", "--instance", str(instance), "--database-url", other)
    assert result.exit_code == 2
    assert "sandbox_database_mismatch" in result.output


def test_the_sandbox_never_joins_the_live_platforms_redis_queue(tmp_path):
    from bidhall.shell.sandbox import sandbox_settings

    environ = {"REDIS_URL": "redis://live:6379/0", "DATABASE_URL": "postgresql+psycopg://live/db"}
    settings = sandbox_settings(tmp_path / "sandbox", None, None, environ)
    assert settings["REDIS_URL"] is None and settings["DATABASE_URL"] is None
    assert settings["SANDBOX"] is True


def test_the_live_platforms_pages_carry_no_sandbox_banner(client):
    page = client.get("/").get_data(as_text=True)
    assert "sandbox-banner" not in page and "Training sandbox" not in page


def test_sandbox_serve_serves_the_sandbox_with_its_banner(sandbox_database, tmp_path, live):
    instance = tmp_path / "sandbox"
    env = (
        {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        | live
        | {"PYTHONUNBUFFERED": "1"}
    )
    made = subprocess.run(
        [BIDHALL, "sandbox", "init", *options(instance, sandbox_database)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [BIDHALL, "sandbox", "serve", *options(instance, sandbox_database)]
        + ["--port", str(port), "--factor", "60", "--async-mode", "threading"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(process, port, "the sandbox", seconds=60)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"Accept-Language": "en"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            page = answer.read().decode()
        assert "the clock runs 60× faster" in page
    finally:
        process.terminate()
        process.wait(timeout=10)
