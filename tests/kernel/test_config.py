"""Configuration: environment overrides and the production safety check."""

import pytest

from bidhall import config


def test_the_embedded_default_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    settings = config.load(environ={"BIDHALL_INSTANCE": str(tmp_path)})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/bidhall.db"
    assert settings["REDIS_URL"] is None


def test_environment_variables_override_the_defaults():
    settings = config.load(
        environ={
            "DATABASE_URL": "postgresql+psycopg://db/bidhall",
            "TICK_SECONDS": "5",
            "SCHEDULER_ENABLED": "false",
        }
    )
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db/bidhall"
    assert settings["TICK_SECONDS"] == 5
    assert settings["SCHEDULER_ENABLED"] is False


def test_a_malformed_number_in_the_environment_is_a_clear_error():
    with pytest.raises(config.ConfigError, match="TICK_SECONDS must be a int"):
        config.load(environ={"TICK_SECONDS": "soon"})


def test_the_regions_come_from_the_environment_as_json():
    settings = config.load(
        environ={"BIDHALL_REGIONS": '{"330100": "杭州市", "330200": " 宁波市 "}'}
    )

    assert settings["REGIONS"] == {"330100": "杭州市", "330200": "宁波市"}


@pytest.mark.parametrize("raw", ["330100=杭州市", '["330100"]', '{"330100": ""}'])
def test_regions_that_are_not_a_json_object_of_names_are_a_clear_error(raw):
    with pytest.raises(config.ConfigError, match="BIDHALL_REGIONS"):
        config.load(environ={"BIDHALL_REGIONS": raw})


def test_production_refuses_the_default_secret():
    with pytest.raises(config.ConfigError, match="default or a short SECRET_KEY"):
        config.load(environ={"BIDHALL_ENV": "production"})


def test_production_refuses_a_short_secret():
    with pytest.raises(config.ConfigError):
        config.load(environ={"BIDHALL_ENV": "production", "SECRET_KEY": "short"})


def test_production_starts_with_a_real_secret():
    settings = config.load(
        environ={
            "BIDHALL_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "BIDHALL_CA_PASSPHRASE": "a long ca passphrase",
        }
    )
    assert settings["BIDHALL_ENV"] == "production"


def test_the_app_factory_refuses_production_with_the_default_secret(tmp_path):
    from bidhall.shell.app import create_app

    with pytest.raises(config.ConfigError):
        create_app({"BIDHALL_ENV": "production", "BIDHALL_INSTANCE": str(tmp_path)})


def test_a_command_refused_by_the_configuration_says_what_to_set_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    bidhall = os.path.join(os.path.dirname(sys.executable), "bidhall")
    env = dict(os.environ, BIDHALL_ENV="production", BIDHALL_INSTANCE=str(tmp_path))
    env.pop("SECRET_KEY", None)
    result = subprocess.run([bidhall, "tick"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_training_sandbox_is_off_by_default_and_its_clock_runs_1440_times_as_fast():
    settings = config.load(environ={})
    assert settings["SANDBOX"] is False
    assert settings["SANDBOX_CLOCK_FACTOR"] == 1440


def test_the_sandbox_settings_come_from_the_environment():
    settings = config.load(environ={"SANDBOX": "true", "SANDBOX_CLOCK_FACTOR": "60"})
    assert settings["SANDBOX"] is True
    assert settings["SANDBOX_CLOCK_FACTOR"] == 60


@pytest.mark.parametrize("factor", [0, -5, 100_001])
def test_a_sandbox_clock_factor_out_of_range_is_refused(factor):
    with pytest.raises(config.ConfigError, match="SANDBOX_CLOCK_FACTOR must be a whole number"):
        config.load({"SANDBOX_CLOCK_FACTOR": factor}, environ={})
