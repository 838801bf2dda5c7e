"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

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


def test_the_first_black_list_moves_into_the_credit_decisions(app, make_user, world):
    """Migration 0024 keeps every entry of the retired ``blacklistings`` as a black listing in
    ``credit_decisions`` over the same period, a lifted one revoked."""
    from sqlalchemy import text

    from bidhall import migrate
    from trading.credit.models import CreditDecision

    bidder = make_user("bidder")
    supervisor = world.supervisor
    migrate.downgrade("0023")
    try:
        with db.engine.begin() as connection:
            for reason, lifted in (("Collusion in BH-2025-00077", None), ("Forged licence", "x")):
                connection.execute(
                    text(
                        "INSERT INTO blacklistings (organisation_id, reason, since, until, "
                        "created_by_id, lifted_at) VALUES (:org, :reason, :since, :until, :by, "
                        + (":since" if lifted else "NULL")
                        + ")"
                    ),
                    {
                        "org": bidder.organisation_id,
                        "reason": reason,
                        "since": "2026-01-01 00:00:00",
                        "until": "2027-01-01 00:00:00",
                        "by": supervisor.id,
                    },
                )
    finally:
        migrate.upgrade("head")
    kept = db.session.scalars(select(CreditDecision).order_by(CreditDecision.id)).all()
    assert [(d.kind, d.subject_id, d.reason, d.revoked_at is not None) for d in kept] == [
        ("black_list", bidder.organisation_id, "Collusion in BH-2025-00077", False),
        ("black_list", bidder.organisation_id, "Forged licence", True),
    ]
    assert kept[0].valid_until.year == 2027 and kept[0].decided_by_id == supervisor.id
