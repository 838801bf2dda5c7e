"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bidhall.db import Base, db
from bidhall.shell.app import import_models


def test_the_migrated_schema_matches_the_models(app):
    import_models()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_db_upgrade_command_reports_the_head_revision(runner):
    from alembic.script import ScriptDirectory

    from bidhall import migrate

    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"at revision {head}" in result.output
