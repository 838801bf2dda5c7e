"""Concurrent writers must not fork the chain: real threads, and real parallel HTTP requests
against a threaded server, on SQLite (default) and on PostgreSQL (BIDHALL_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from audit.ledger import chain as ledger
from audit.ledger.chain import GENESIS, entry_hash, format_at

THREADS = 8
EMITS_PER_THREAD = 25


def committed_chain() -> list[tuple]:
    """Every committed entry, read on a connection of its own."""
    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    with db.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(LedgerEntry.__table__.select().order_by(LedgerEntry.seq))
        ]


def assert_one_unforked_chain(rows: list[tuple]) -> None:
    from bidhall.db import db

    assert [row[0] for row in rows] == list(range(1, len(rows) + 1)), "seq has gaps or repeats"
    prev = GENESIS
    for seq, at, actor, type_, payload, prev_hash, hash_ in rows:
        assert prev_hash == prev, f"entry {seq} does not link to entry {seq - 1}"
        assert hash_ == entry_hash(prev, seq, format_at(at), actor, type_, payload)
        prev = hash_
    assert len({row[6] for row in rows}) == len(rows)
    result = ledger.verify(db.session)
    assert result.ok, result.first_problem
    assert (result.checked, result.head_hash) == (len(rows), prev)


def run_threads(count: int, work) -> None:
    """Start ``count`` threads together on ``work(i)``; re-raise the first failure."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as error:  # noqa: BLE001 - reported to the test thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), name=f"writer-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    if errors:
        raise errors[0]


def test_concurrent_writers_in_threads_do_not_fork_the_chain(app):
    from bidhall import events
    from bidhall.db import db

    seqs: list[int] = []

    def write(thread: int) -> None:
        try:
            for n in range(EMITS_PER_THREAD):
                with db.transaction():
                    event = events.emit("test.concurrent", "system:test", thread=thread, n=n)
                seqs.append(event.seq)
        finally:
            db.session.remove()  # each thread has its own scoped session

    run_threads(THREADS, write)
    rows = committed_chain()
    assert len(rows) == THREADS * EMITS_PER_THREAD
    assert sorted(seqs) == [row[0] for row in rows]
    assert_one_unforked_chain(rows)
    # every write landed once, and each thread's writes in its own order
    written = [json.loads(row[4]) for row in rows]
    for thread in range(THREADS):
        assert [p["n"] for p in written if p["thread"] == thread] == list(range(EMITS_PER_THREAD))


def test_concurrent_units_with_several_events_and_rollbacks_keep_one_chain(app):
    from bidhall import events
    from bidhall.accounts import services
    from bidhall.db import db

    def write(thread: int) -> None:
        try:
            for n in range(10):
                if n % 3 == 2:  # a unit that fails after appending: its entries vanish
                    with pytest.raises(RuntimeError), db.transaction():
                        events.emit("test.doomed", "system:test", thread=thread, n=n)
                        raise RuntimeError("rolled back")
                    continue
                with db.transaction():
                    services.create_organisation("system:test", f"org {thread}-{n}", "bidder")
                    events.emit("test.follow_up", "system:test", thread=thread, n=n)
        finally:
            db.session.remove()

    run_threads(THREADS, write)
    rows = committed_chain()
    assert {row[3] for row in rows} == {"organisation.registered", "test.follow_up"}
    assert len(rows) == THREADS * 7 * 2
    assert_one_unforked_chain(rows)


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server on a free local port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def post_json(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_parallel_http_requests_do_not_fork_the_chain(app, live_server, make_user):
    from bidhall.accounts import services
    from bidhall.db import db

    admin = make_user("admin")
    _token, secret = services.issue_token(admin.id, "concurrency test")
    db.session.remove()  # leave the server threads a database with no open reader of ours
    before = len(committed_chain())

    requests = 48
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(
                lambda i: post_json(
                    f"{live_server}/api/organisations",
                    secret,
                    {"name": f"Parallel Bidder {i}", "kind": "bidder"},
                ),
                range(requests),
            )
        )

    assert [status for status, _ in answers] == [201] * requests, answers
    rows = committed_chain()
    assert len(rows) == before + requests
    registered = [json.loads(row[4])["organisation_id"] for row in rows[before:]]
    assert sorted(registered) == sorted(body["id"] for _, body in answers)
    assert {row[3] for row in rows[before:]} == {"organisation.registered"}
    assert {row[2] for row in rows[before:]} == {f"user:{admin.id}"}
    assert_one_unforked_chain(rows)


def test_the_chain_lock_is_held_from_the_append_until_the_commit(app):
    """Events are appended just before the commit; from then until the commit a second writer
    must wait (PostgreSQL: the advisory lock; SQLite: BEGIN IMMEDIATE's write lock)."""
    from bidhall import events
    from bidhall.db import db

    def second_writer_is_kept_out() -> None:
        if db.dialect != "postgresql":
            other = db.engine.raw_connection()  # the driver's own, not our "begin" hook
            try:
                other.execute("PRAGMA busy_timeout=50")
                with pytest.raises(Exception, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
            return
        with db.engine.connect() as other:
            other.execute(text("SET lock_timeout = '200ms'"))
            with pytest.raises(Exception, match="lock timeout"):
                other.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": ledger._PG_LOCK_KEY}
                )

    with db.transaction():
        events.emit("test.first", "system:test")
        db.before_commit(second_writer_is_kept_out)  # runs after the ledger's append
    assert_one_unforked_chain(committed_chain())


def test_a_writer_queued_for_the_chain_never_holds_a_row_the_chain_holder_needs(
    app, make_tender, make_org, clock
):
    """download_document's shape: a row added but not yet flushed when the event is emitted,
    referring to a tender another unit has locked (the tick, FOR UPDATE) and is about to emit
    from. The ledger flushes before queueing for the chain, so the downloader waits on the
    tender row outside the chain lock and both commit; queueing first would deadlock them on
    PostgreSQL (one aborted after deadlock_timeout)."""
    import time

    from sqlalchemy import select

    from bidhall import events
    from bidhall.db import db
    from trading.tenders.models import Participation, Tender

    tender_id = make_tender("published").id
    bidder_id = make_org("bidder").id
    db.session.remove()
    tender_locked, downloader_emitting = threading.Event(), threading.Event()

    def tick(_: int) -> None:
        try:
            with db.transaction() as session:
                session.scalar(
                    select(Tender).where(Tender.id == tender_id).with_for_update(of=Tender)
                )
                tender_locked.set()
                assert downloader_emitting.wait(10)
                time.sleep(0.3)  # the downloader is now inside emit, waiting
                events.emit("test.tick", "system:test", tender_id=tender_id)
        finally:
            db.session.remove()

    def download(_: int) -> None:
        try:
            assert tender_locked.wait(10)
            with db.transaction() as session:
                session.add(
                    Participation(
                        tender_id=tender_id,
                        organisation_id=bidder_id,
                        first_download_at=clock.now(),
                    )
                )
                downloader_emitting.set()
                events.emit("test.holder_joined", "system:test", tender_id=tender_id)
        finally:
            db.session.remove()

    run_threads(2, lambda i: (tick, download)[i](i))
    rows = committed_chain()
    assert [row[3] for row in rows[-2:]] == ["test.tick", "test.holder_joined"]
    assert_one_unforked_chain(rows)
