"""The public feed: GET /api/ocds/releases?after=SEQ&limit=N pages through the releases in commit
order by ledger seq; a client following ``links.next`` never misses nor repeats a release, even
when writers commit out of order (SQLite by default, PostgreSQL with
BIDHALL_TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.trading.publication import schema


def cursor_of(package: dict) -> int:
    return int(parse_qs(urlsplit(package["links"]["next"]).query)["after"][0])


def follow(client, after: int = 0, limit: int = 100) -> tuple[list[dict], int]:
    """Every release from ``after`` on, following links.next until a page comes back empty."""
    seen: list[dict] = []
    while True:
        package = client.get(f"/api/ocds/releases?after={after}&limit={limit}").get_json()
        if not package["releases"]:
            return seen, after
        seen += package["releases"]
        after = cursor_of(package)


def release_seq(release: dict) -> int:
    return int(release["id"].rsplit("-", 1)[1])


def test_an_empty_feed_answers_an_empty_package_pointing_at_the_same_cursor(client):
    package = client.get("/api/ocds/releases").get_json()
    assert package["releases"] == []
    assert cursor_of(package) == 0
    # the package schema asks for one release at least: an empty page of a feed is the one
    # departure, documented in docs/open-data.md
    assert schema.problems(package) == ["releases: [] should be non-empty"]


def test_the_feed_is_a_valid_release_package(client, make_tender):
    make_tender("published")
    package = client.get("/api/ocds/releases").get_json()
    assert len(package["releases"]) == 1
    schema.assert_valid_release_package(package)


def test_following_next_with_a_page_of_one_gives_every_release_once_in_seq_order(
    client, make_tender
):
    for _ in range(4):
        make_tender("published")
    seen, _ = follow(client, limit=1)
    seqs = [release_seq(r) for r in seen]
    assert len(seqs) == 4 and seqs == sorted(set(seqs))


def test_a_cursor_past_the_last_release_gives_an_empty_page_and_keeps_the_cursor(
    client, make_tender
):
    make_tender("published")
    package = client.get("/api/ocds/releases?after=1000000").get_json()
    assert package["releases"] == [] and cursor_of(package) == 1000000


def test_the_next_cursor_is_the_last_seq_of_the_page(client, make_tender):
    make_tender("published")
    make_tender("published")
    package = client.get("/api/ocds/releases?limit=1").get_json()
    assert cursor_of(package) == release_seq(package["releases"][0])
    rest = client.get(package["links"]["next"]).get_json()["releases"]
    assert len(rest) == 1 and release_seq(rest[0]) > release_seq(package["releases"][0])


@pytest.mark.parametrize(
    "query",
    ["after=-1", "after=x", "limit=0", "limit=1001", "limit=2.5"],
)
def test_a_bad_cursor_or_limit_is_refused_with_400(client, query):
    answer = client.get(f"/api/ocds/releases?{query}")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"]


def test_the_record_of_a_process_holds_its_releases_and_a_compiled_release(
    client, make_tender, world
):
    from trading.tenders import services

    tender = make_tender("published")
    services.terminate_tender(world.agency, tender.id, "the project was cancelled")
    package = client.get(f"/api/ocds/records/ocds-xxxxxx-{tender.reference}").get_json()
    schema.assert_valid_record_package(package)
    [record] = package["records"]
    assert [r["tag"] for r in record["releases"]] == [["tender"], ["tenderCancellation"]]
    assert record["compiledRelease"]["tender"]["status"] == "cancelled"


def test_an_unknown_process_is_404(client):
    answer = client.get("/api/ocds/records/ocds-xxxxxx-nope")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "ocid_not_found"


# --- out-of-order commits ---------------------------------------------------------------------


def two_filed_tenders(client, make_tender, clock) -> tuple:
    """Two filed tenders and the feed's cursor now. One tender is published first: the first
    publication makes the platform custodian's certificate, which two first publications at
    once would both insert (one waiting for the other's commit, whatever this test wants)."""
    from bidhall.db import db

    make_tender("published")
    _, start = follow(client)
    first, second = make_tender("filed"), make_tender("filed")
    clock.set(first.issue_start)
    db.session.remove()
    return first, second, start


def _publisher(tender_id: int, agency_id: int, before_commit=None):
    """A thread's body: publish the tender in a unit of its own; ``before_commit`` (registered
    before anything is emitted) runs before the ledger appends the unit's events."""
    from bidhall.accounts.models import User
    from bidhall.db import db
    from trading.tenders import services

    def run() -> None:
        try:
            with db.transaction() as session:
                if before_commit is not None:
                    db.before_commit(before_commit)
                services.publish_tender(session.get(User, agency_id), tender_id)
        finally:
            db.session.remove()

    return run


def _start(target) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - re-raised by the test thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _join(*pairs) -> None:
    for thread, errors in pairs:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a writer hung"
        if errors:
            raise errors[0]


def test_a_later_started_writer_that_commits_first_is_served_first_and_the_other_after(
    client, make_tender, world, clock
):
    """PostgreSQL: writer A starts and pauses before its commit (before its ledger append);
    writer B starts later, commits first and gets the smaller seq. A reader that saw B's release
    and moved its cursor past it still gets A's, which commits later with a larger seq."""
    from bidhall.db import db

    if db.dialect != "postgresql":
        pytest.skip(
            "SQLite serialises write units from BEGIN IMMEDIATE: a writer started later cannot "
            "commit first (the reader test below covers SQLite)"
        )
    first, second, start = two_filed_tenders(client, make_tender, clock)
    a_paused, b_done = threading.Event(), threading.Event()

    def pause() -> None:
        a_paused.set()
        assert b_done.wait(30)

    a = _start(_publisher(first.id, world.agency.id, pause))
    assert a_paused.wait(30)
    b = _start(_publisher(second.id, world.agency.id))
    _join(b)
    b_done.set()
    page_one, cursor = follow(client, start)
    assert [r["tender"]["id"] for r in page_one] == [second.reference]
    _join(a)
    page_two, _ = follow(client, cursor)
    assert [r["tender"]["id"] for r in page_two] == [first.reference]
    assert release_seq(page_two[0]) > release_seq(page_one[0])


def test_a_reader_polling_while_a_writer_holds_the_ledger_sees_neither_pending_release(
    client, make_tender, world, clock
):
    """Writer A has appended to the ledger (its seq is taken) and pauses before its commit;
    writer B, started later, waits for the chain (PostgreSQL: the advisory lock; SQLite: the
    write lock). A reader polling meanwhile sees neither; afterwards both, A first, each once."""
    from bidhall.db import db

    first, second, start = two_filed_tenders(client, make_tender, clock)
    a_holds, reader_done = threading.Event(), threading.Event()

    def hold() -> None:
        a_holds.set()
        assert reader_done.wait(30)

    def publish_then_hold() -> None:
        from bidhall.accounts.models import User
        from trading.tenders import services

        try:
            with db.transaction() as session:
                services.publish_tender(session.get(User, world.agency.id), first.id)
                db.before_commit(hold)  # after the ledger's flush and the release's store
        finally:
            db.session.remove()

    a = _start(publish_then_hold)
    assert a_holds.wait(30)
    b = _start(_publisher(second.id, world.agency.id))
    seen_meanwhile, cursor = follow(client, start)
    assert seen_meanwhile == []
    reader_done.set()
    _join(a, b)
    seen, _ = follow(client, cursor)
    assert [r["tender"]["id"] for r in seen] == [first.reference, second.reference]


def test_concurrent_writers_and_a_polling_reader_never_skip_nor_repeat(
    app, make_tender, world, clock
):
    """Several writers publish at once while a reader follows the feed from another thread; the
    reader ends with exactly the committed releases, each once, in seq order."""
    from bidhall.accounts.models import User
    from bidhall.db import db
    from trading.publication import services as publication
    from trading.tenders import services

    make_tender("published")  # the platform custodian's certificate, made once
    tenders = [make_tender("filed") for _ in range(6)]
    clock.set(tenders[0].issue_start)
    db.session.remove()
    writers_done = threading.Event()
    seen: list[int] = []

    def read() -> None:
        after = 0
        try:
            while True:
                finished = writers_done.is_set()  # read once more after the last commit
                page = publication.page(after, 2)
                seen.extend(_seqs(page.releases))
                after = page.after
                if finished and not page.releases:
                    return
        finally:
            db.session.remove()

    def write(tender_id: int):
        def run() -> None:
            try:
                with db.transaction() as session:
                    services.publish_tender(session.get(User, world.agency.id), tender_id)
            finally:
                db.session.remove()

        return run

    reader = _start(read)
    writers = [_start(write(t.id)) for t in tenders]
    _join(*writers)
    writers_done.set()
    _join(reader)
    committed = [release_seq(r) for r in _all_releases()]
    assert len(committed) == len(tenders) + 1
    assert seen == committed


def _seqs(texts: list[str]) -> list[int]:
    import json

    return [release_seq(json.loads(text)) for text in texts]


def _all_releases() -> list[dict]:
    import json

    from trading.publication import services as publication

    return [json.loads(t) for t in publication.page(0, 1000).releases]
