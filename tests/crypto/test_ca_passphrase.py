"""Production never runs the CA with unencrypted private keys: no or a short
BIDHALL_CA_PASSPHRASE refuses to start, as a weak SECRET_KEY does. Development, testing and the
demo still create an unencrypted CA on first use."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bidhall import config
from bidhall.crypto import ca, services

SECRET = "s" * 40


def production(tmp_path, **overrides) -> dict:
    settings = {
        "BIDHALL_ENV": "production",
        "SECRET_KEY": SECRET,
        "BIDHALL_INSTANCE": str(tmp_path / "instance"),
        "SCHEDULER_ENABLED": False,
        "SOCKETIO_ASYNC_MODE": "threading",
    }
    return settings | overrides


def test_production_refuses_to_start_without_a_ca_passphrase(tmp_path):
    from bidhall.shell.app import create_app

    with pytest.raises(config.ConfigError, match="BIDHALL_CA_PASSPHRASE"):
        create_app(production(tmp_path))
    with pytest.raises(config.ConfigError, match="BIDHALL_CA_PASSPHRASE"):
        create_app(production(tmp_path, BIDHALL_CA_PASSPHRASE=""))


def test_production_refuses_a_ca_passphrase_shorter_than_the_minimum(tmp_path):
    from bidhall.shell.app import create_app

    assert config.DEFAULTS["CA_PASSPHRASE_MIN_LENGTH"] >= 12
    with pytest.raises(config.ConfigError, match="at least 12 characters"):
        create_app(production(tmp_path, BIDHALL_CA_PASSPHRASE="eleven char"))
    with pytest.raises(config.ConfigError, match="at least 20 characters"):
        config.load(
            environ={
                "BIDHALL_ENV": "production",
                "SECRET_KEY": SECRET,
                "BIDHALL_CA_PASSPHRASE": "nineteen characters",
                "CA_PASSPHRASE_MIN_LENGTH": "20",
            }
        )


def test_production_starts_with_a_long_ca_passphrase(migrated, tmp_path):
    from bidhall.db import db
    from bidhall.shell.app import create_app

    app = create_app(
        production(tmp_path, DATABASE_URL=migrated, BIDHALL_CA_PASSPHRASE="twelve chars")
    )
    try:
        assert app.config["BIDHALL_ENV"] == "production"
    finally:
        db.dispose()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_start_without_a_ca_passphrase(env):
    assert config.load(environ={"BIDHALL_ENV": env})["BIDHALL_CA_PASSPHRASE"] is None


def test_ca_init_in_production_without_a_passphrase_is_refused_and_writes_no_key(tmp_path):
    from bidhall.shell.cli import main

    instance = tmp_path / "instance"
    result = CliRunner().invoke(
        main,
        ["ca", "init"],
        env={
            "BIDHALL_ENV": "production",
            "SECRET_KEY": SECRET,
            "BIDHALL_INSTANCE": str(instance),
            "BIDHALL_CA_PASSPHRASE": None,
            "DATABASE_URL": None,
        },
    )
    assert result.exit_code == 1
    assert "configuration:" in result.output and "BIDHALL_CA_PASSPHRASE" in result.output
    assert not (instance / "ca").exists()


def test_ca_init_in_production_encrypts_the_keys_with_the_passphrase(tmp_path):
    from bidhall.shell.cli import main

    instance = tmp_path / "instance"
    try:
        result = CliRunner().invoke(
            main,
            ["ca", "init"],
            env={
                "BIDHALL_ENV": "production",
                "SECRET_KEY": SECRET,
                "BIDHALL_INSTANCE": str(instance),
                "BIDHALL_CA_PASSPHRASE": "a long ca passphrase",
                "DATABASE_URL": None,
                "SCHEDULER_ENABLED": "false",
            },
        )
        assert result.exit_code == 0, result.output
        assert "NOT encrypted" not in result.output
        assert ca.keys_encrypted(instance / "ca")
    finally:
        from bidhall.db import db

        db.dispose()


def test_loading_unencrypted_ca_keys_with_a_passphrase_set_warns(app, tmp_path, caplog):
    directory = tmp_path / "old"
    settings = dict(app.config, BIDHALL_INSTANCE=str(directory))
    try:
        services.configure(settings)  # testing: an unencrypted CA, made on first use
        services.authority()
        services.configure(dict(settings, BIDHALL_CA_PASSPHRASE="a long ca passphrase"))
        caplog.clear()
        with caplog.at_level("WARNING", logger="bidhall.crypto.ca"):
            services.authority()
        assert "NOT encrypted" in caplog.text
        assert "a long ca passphrase" not in caplog.text
    finally:
        services.configure(app.config)
