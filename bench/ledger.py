"""Ledger benchmark (not a test): append throughput on SQLite and PostgreSQL, verify throughput
over 200,000 entries, and what the ledger adds to an HTTP request that emits one event.

    .venv/bin/python bench/ledger.py

Prints one JSON line per measurement; the last line is the summary object with
append_per_s_sqlite, append_per_s_postgresql, verify_per_s, request_overhead_ms (and per-database
extras). verify_per_s and request_overhead_ms are the worse of the two databases' figures.
PostgreSQL is BIDHALL_BENCH_POSTGRESQL_URL (default: the local server, user postgres); a fresh
database is created there and dropped afterwards. Its figures are null if the server does not
answer. Takes about a minute.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from audit.ledger import chain as ledger  # noqa: E402
from audit.ledger.models import LedgerEntry  # noqa: E402
from bidhall import events, migrate  # noqa: E402
from bidhall.db import db  # noqa: E402
from bidhall.shell.app import create_app  # noqa: E402

POSTGRESQL_URL = os.environ.get(
    "BIDHALL_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
APPENDS = 2000
THREADS, APPENDS_PER_THREAD = 8, 125
VERIFY_ENTRIES = 200_000
VERIFY_RUNS = 3
REQUEST_PAIRS = 400


def say(**figures) -> None:
    print(json.dumps(figures), flush=True)


def build_app(url: str, instance: str):
    app = create_app(
        {
            "BIDHALL_ENV": "testing",
            "DATABASE_URL": url,
            "BIDHALL_INSTANCE": instance,
            "SCHEDULER_ENABLED": False,
        }
    )
    migrate.upgrade()
    return app


# --- appends ------------------------------------------------------------------------------------


def append_rate(count: int) -> float:
    """One event per transaction, through db.transaction() and events.emit (the subscriber
    create_app installed writes the ledger)."""
    for n in range(20):  # warm up: connections, statement caches
        with db.transaction():
            events.emit("bench.warmup", "system:bench", n=n)
    started = time.perf_counter()
    for n in range(count):
        with db.transaction():
            events.emit("bench.appended", "system:bench", n=n, tender_id=n // 50, sha256="ab" * 32)
    return count / (time.perf_counter() - started)


def threaded_append_rate(threads: int, per_thread: int) -> float:
    barrier = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                with db.transaction():
                    events.emit("bench.concurrent", "system:bench", thread=thread, n=n)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            db.session.remove()

    workers = [threading.Thread(target=write, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return threads * per_thread / elapsed


# --- verify -------------------------------------------------------------------------------------


def fill_chain(total: int) -> int:
    """Continue the chain with correctly hashed entries up to ``total``, in bulk."""
    with db.transaction() as session:
        last_seq, prev = ledger.head(session)
    at = datetime.now(UTC).replace(microsecond=0)
    rows = []
    for seq in range(last_seq + 1, total + 1):
        at += timedelta(microseconds=1037)
        payload = ledger.canonical_json(
            {"tender_id": seq // 50, "bidder_id": seq % 97, "sha256": f"{seq:064x}"}
        )
        actor, type_ = f"user:{seq % 211}", "bid.sealed"
        digest = ledger.entry_hash(prev, seq, ledger.format_at(at), actor, type_, payload)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "type": type_,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if db.dialect == "postgresql":
        _copy_rows(rows)
    else:
        with db.engine.begin() as connection:
            connection.execute(LedgerEntry.__table__.insert(), rows)  # executemany
    return len(rows)


def _copy_rows(rows: list[dict]) -> None:
    raw = db.engine.raw_connection()
    try:
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY ledger_entries (seq, at, actor, type, payload, prev_hash, hash) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(
                    (
                        row["seq"],
                        row["at"],
                        row["actor"],
                        row["type"],
                        row["payload"],
                        row["prev_hash"],
                        row["hash"],
                    )
                )
        raw.commit()
    finally:
        raw.close()


def verify_rate() -> tuple[float, int]:
    rates = []
    for _ in range(VERIFY_RUNS):
        started = time.perf_counter()
        result = ledger.verify(db.session)
        elapsed = time.perf_counter() - started
        assert result.ok, result.first_problem
        rates.append(result.checked / elapsed)
    return statistics.median(rates), result.checked


# --- request overhead ---------------------------------------------------------------------------


def request_overhead(app, pairs: int) -> dict:
    """Median time of POST /api/organisations (one event) with and without the ledger
    subscriber, alternating so that drift and table growth hit both alike."""
    from bidhall.accounts import services

    org = services.create_organisation(
        "system:bench", f"Platform {uuid.uuid4().hex[:6]}", "platform"
    )
    admin = services.create_user(
        "system:bench", f"admin-{uuid.uuid4().hex[:6]}", "bench-password-1", "admin", org.id
    )
    _token, secret = services.issue_token(admin.id, "bench")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    names = (f"Bench Bidder {uuid.uuid4().hex}" for _ in iter(int, 1))

    def timed() -> float:
        started = time.perf_counter()
        response = client.post(
            "/api/organisations", headers=headers, json={"name": next(names), "kind": "bidder"}
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.get_data(as_text=True)
        return elapsed * 1000

    subscribers = events._subscribers  # the bench switches the ledger off; the app never does
    assert ledger.append_event in subscribers
    with_ledger, without_ledger = [], []
    try:
        for n in range(pairs + 20):
            subscribers.remove(ledger.append_event)
            plain = timed()
            events.subscribe(ledger.append_event)
            full = timed()
            if n >= 20:  # the first pairs warm up
                without_ledger.append(plain)
                with_ledger.append(full)
    finally:
        events.subscribe(ledger.append_event)
    return {
        "request_ms_with_ledger": round(statistics.median(with_ledger), 3),
        "request_ms_without_ledger": round(statistics.median(without_ledger), 3),
        "request_overhead_ms": round(
            statistics.median(with_ledger) - statistics.median(without_ledger), 3
        ),
        "request_overhead_ms_paired": round(
            statistics.median(a - b for a, b in zip(with_ledger, without_ledger, strict=True)), 3
        ),
    }


# --- per database -------------------------------------------------------------------------------


def bench_database(name: str, url: str, instance: str) -> dict:
    app = build_app(url, instance)
    figures: dict = {}
    try:
        with app.app_context():
            figures[f"append_per_s_{name}"] = round(append_rate(APPENDS), 1)
            say(
                database=name,
                step="append",
                transactions=APPENDS,
                per_s=figures[f"append_per_s_{name}"],
            )
            rate = threaded_append_rate(THREADS, APPENDS_PER_THREAD)
            figures[f"append_per_s_{name}_{THREADS}_threads"] = round(rate, 1)
            say(
                database=name,
                step="append_threads",
                threads=THREADS,
                transactions=THREADS * APPENDS_PER_THREAD,
                per_s=round(rate, 1),
            )
            overhead = request_overhead(app, REQUEST_PAIRS)
            say(database=name, step="request_overhead", pairs=REQUEST_PAIRS, **overhead)
            figures[f"request_overhead_ms_{name}"] = overhead["request_overhead_ms"]
            figures[f"request_overhead_ms_paired_{name}"] = overhead["request_overhead_ms_paired"]
            started = time.perf_counter()
            inserted = fill_chain(VERIFY_ENTRIES)
            say(
                database=name,
                step="bulk_insert",
                entries=inserted,
                seconds=round(time.perf_counter() - started, 2),
            )
            rate, checked = verify_rate()
            figures[f"verify_per_s_{name}"] = round(rate)
            figures["verify_entries"] = checked
            say(
                database=name,
                step="verify",
                entries=checked,
                runs=VERIFY_RUNS,
                per_s=round(rate),
                seconds=round(checked / rate, 3),
            )
    finally:
        db.dispose()
    return figures


@contextmanager
def temporary_postgresql() -> Iterator[str | None]:
    server = make_url(POSTGRESQL_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"bidhall_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        say(database="postgresql", step="skipped", reason=str(error.orig).strip()[:200])
        admin.dispose()
        yield None
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    started = time.perf_counter()
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="bidhall-bench-") as tmp:
        figures.update(bench_database("sqlite", f"sqlite:///{tmp}/bench.db", tmp))
        with temporary_postgresql() as url:
            if url is not None:
                figures.update(bench_database("postgresql", url, tmp))
    # the headline verify and overhead figures are the worse database's: targets hold on both
    verify_rates = [v for k, v in figures.items() if k.startswith("verify_per_s_")]
    overheads = [
        figures[f"request_overhead_ms_{name}"]
        for name in ("sqlite", "postgresql")
        if f"request_overhead_ms_{name}" in figures
    ]
    summary = {
        "append_per_s_sqlite": figures["append_per_s_sqlite"],
        "append_per_s_postgresql": figures.get("append_per_s_postgresql"),
        "verify_per_s": min(verify_rates),
        "request_overhead_ms": max(overheads),
        **{
            k: v
            for k, v in figures.items()
            if k not in ("append_per_s_sqlite", "append_per_s_postgresql")
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
