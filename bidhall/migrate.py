"""Alembic, driven from code: `bidhall db upgrade` and the test fixtures use the same path."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from bidhall.db import db


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "bidhall:migrations")
    cfg.set_main_option("sqlalchemy.url", db.url)
    return cfg


def upgrade(revision: str = "head") -> None:
    with db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(revision: str) -> None:
    with db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current() -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
