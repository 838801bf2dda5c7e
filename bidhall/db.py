"""Database access: the declarative base, portable column types and the unit of work.

One service call is one ``with db.transaction() as session:`` block: commit on success, rollback on
any error, nothing half-written. Views and socket handlers only read (``db.session``).
On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so two writers never read the same
ledger head; on PostgreSQL the ledger takes an advisory lock (see audit.ledger).
"""

from __future__ import annotations

import contextvars
import copy
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which forgets zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use bidhall.clock")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator):
    """CNY amounts kept exactly as whole fen (0.01 CNY) in a BIGINT; Decimal yuan in Python."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Any) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(Decimal("0.01"))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money()}


@dataclass
class _Unit:
    session: Session
    before_commit: list[Callable[[], None]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    after_rollback: list[Callable[[], None]] = field(default_factory=list)
    local: dict[str, Any] = field(default_factory=dict)


def _restore(local: dict[str, Any], saved: dict[str, Any]) -> None:
    """Put the unit-local values back as ``saved`` holds them, in place: a hook registered
    before the savepoint keeps a reference to its list or dict."""
    for key in list(local):
        if key not in saved:
            del local[key]
    for key, value in saved.items():
        current = local.setdefault(key, value)
        if current is value:
            continue
        if isinstance(current, list):
            current[:] = value
        elif isinstance(current, dict):
            current.clear()
            current.update(value)
        else:
            local[key] = value


_unit: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar("bidhall_unit", default=None)
_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "bidhall_immediate", default=False
)


class Database:
    """The engine and the per-thread (per-greenlet under gevent) session of the running app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory = sessionmaker(expire_on_commit=False, autoflush=True)
        self.session = scoped_session(self._factory)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True) if self.engine else "<none>"

    @property
    def dialect(self) -> str:
        assert self.engine is not None, "database not configured"
        return self.engine.dialect.name

    def configure(self, url: str, **engine_options: Any) -> Engine:
        self.dispose()
        if url.startswith("sqlite"):
            engine = create_engine(
                url, connect_args={"timeout": 30, "check_same_thread": False}, **engine_options
            )
            _prepare_sqlite(engine)
        else:
            engine_options.setdefault("pool_pre_ping", True)
            engine = create_engine(url, **engine_options)
        self.engine = engine
        self._factory.configure(bind=engine)
        return engine

    def dispose(self) -> None:
        self.session.remove()
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception, then run
        after-commit hooks (broadcasts). Nested calls join the outer unit."""
        outer = _unit.get()
        if outer is not None:
            yield outer.session
            return
        session = self.session()
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("the session holds unsaved changes made outside a transaction")
        if session.in_transaction():
            session.commit()  # end the read snapshot so the write transaction starts fresh
        unit = _Unit(session)
        unit_token = _unit.set(unit)
        immediate_token = _immediate.set(True)
        try:
            yield session
            for hook in unit.before_commit:
                hook()
            session.commit()
        except BaseException:
            session.rollback()
            for hook in reversed(unit.after_rollback):
                try:
                    hook()
                except Exception:  # the unit's own error is the one to report
                    logger.exception("an after-rollback hook failed")
            raise
        finally:
            _immediate.reset(immediate_token)
            _unit.reset(unit_token)
        for hook in unit.after_commit:
            hook()

    @contextmanager
    def savepoint(self) -> Iterator[Session]:
        """A savepoint in the current unit. If the block fails, the database is rolled back to
        where it began and so is what the block queued in the unit: its ledger events and other
        unit-local state, its hooks (its after-rollback hooks are run, newest first); then the
        error is raised. A bare ``session.begin_nested()`` would leave an event emitted in the
        block queued for the ledger, recording what never happened."""
        unit = _unit.get()
        if unit is None:
            raise RuntimeError("savepoint needs to run inside db.transaction()")
        marks = (len(unit.before_commit), len(unit.after_commit), len(unit.after_rollback))
        local = {key: copy.copy(value) for key, value in unit.local.items()}
        try:
            with unit.session.begin_nested():
                yield unit.session
        except BaseException:
            for hook in reversed(unit.after_rollback[marks[2] :]):
                try:
                    hook()
                except Exception:  # the block's own error is the one to report
                    logger.exception("an after-rollback hook failed")
            del unit.before_commit[marks[0] :]
            del unit.after_commit[marks[1] :]
            del unit.after_rollback[marks[2] :]
            _restore(unit.local, local)
            raise

    def current_session(self) -> Session:
        unit = _unit.get()
        if unit is None:
            raise RuntimeError("this needs to run inside db.transaction()")
        return unit.session

    def release(self) -> None:
        """End this thread's read snapshot and hand its connection back to the pool, keeping
        the loaded objects usable: call before slow I/O (streaming an upload, hashing a file) so
        a slow client never holds a database connection."""
        if _unit.get() is not None:
            raise RuntimeError("release() inside a write unit")
        session = self.session()
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("the session holds unsaved changes made outside a transaction")
        if session.in_transaction():
            session.commit()

    def before_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` as the unit's last step before its commit (not on rollback)."""
        unit = _unit.get()
        if unit is None:
            raise RuntimeError("before_commit needs to run inside db.transaction()")
        unit.before_commit.append(hook)

    def unit_local(self, key: str, factory: Callable[[], Any]) -> Any:
        """Per-unit storage (e.g. events waiting for the ledger), created on first use."""
        unit = _unit.get()
        if unit is None:
            raise RuntimeError("unit_local needs to run inside db.transaction()")
        if key not in unit.local:
            unit.local[key] = factory()
        return unit.local[key]

    def after_rollback(self, hook: Callable[[], None]) -> None:
        """Undo, when the unit rolls back, what the unit did outside the database (a stored
        file): hooks run newest first; a failing hook is logged, the unit's error raised."""
        unit = _unit.get()
        if unit is None:
            raise RuntimeError("after_rollback needs to run inside db.transaction()")
        unit.after_rollback.append(hook)

    def after_commit(self, hook: Callable[[], None]) -> None:
        unit = _unit.get()
        if unit is None:
            raise RuntimeError("after_commit needs to run inside db.transaction()")
        unit.after_commit.append(hook)

    def remove_session(self, *_: Any) -> None:
        self.session.remove()


@event.listens_for(Session, "do_orm_execute")
def _fresh_reads_in_write_units(state: Any) -> None:
    # a write unit decides on what the database holds now, not on objects this session loaded
    # before (another request or worker may have changed them since)
    if state.is_select and _unit.get() is not None:
        state.update_execution_options(populate_existing=True)


def _prepare_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling is replaced so that write units can BEGIN IMMEDIATE
    # (SQLAlchemy's documented recipe for SQLite transactions).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def fetch_one(session: Session, model: type, key: Any, *, lock: bool = False) -> Any:
    """The row of ``model`` with primary key ``key``, read from the database, or None. With
    ``lock`` it stays locked until the unit ends (FOR UPDATE on PostgreSQL; SQLite's write units
    are serialised by BEGIN IMMEDIATE already)."""
    from sqlalchemy import select

    query = select(model).where(model.__mapper__.primary_key[0] == key)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=model)
    return session.scalar(query)


db = Database()

__all__ = ["Base", "Database", "Money", "NullPool", "UTCDateTime", "db"]
