"""Open-data benchmark (not a test): OCDS releases for 10,000 tenders — what publishing costs a
writer, how fast they export, how fast a feed page answers.

    .venv/bin/python bench/feed.py [--tenders 10000] [--pages 300] [--limit 100]

The tenders and their lots are bulk-inserted as the services leave them once published (state,
``published_at``, one lot, the agency and the tenderer); then, per tender, ``tender.published``
is emitted in a unit of its own that loads the tender first, as ``publish_tender`` does: the
audit ledger appends it, the detectors and the key-moment checkpoint run, and the
publication subscriber builds and stores the release with its ledger seq (the real write path,
minus the custodians' certificates). A tenth of the tenders then get an amendment
(``tender.notice_issued``), a second release each.

Figures: ``publish_ms_p50``/``_p99`` per unit with the release against ``ledger_only_ms_p50``/
``_p99`` (the same units with the publication subscriber off, alternating with them over the
first 2,000 tenders: what publication adds to a write);
``build_releases_per_s``, the pure builder alone (``trading.publication.ocds``) over the
tenders' facts; ``ocds_releases_per_s``, ``bidhall ocds export``'s code path writing every stored
release as one package to a file; ``feed_page_p50_ms``/``feed_page_p99_ms``, ``GET
/api/ocds/releases?after=SEQ&limit=100`` through the app's test client at random cursors.

Prints one JSON line per measurement; the last line is the summary object with
``ocds_releases_per_s`` and ``feed_page_p99_ms``. Database: a temporary SQLite file, or
BIDHALL_BENCH_DATABASE_URL (an empty PostgreSQL database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.portal import bulk, emit, lot_rows, tender_row  # noqa: E402
from bidhall import clock, events, migrate  # noqa: E402
from bidhall.accounts import services as accounts  # noqa: E402
from bidhall.db import db  # noqa: E402
from bidhall.shell.app import create_app  # noqa: E402
from trading.publication import ocds  # noqa: E402
from trading.publication import services as publication  # noqa: E402
from trading.publication.models import PublishedRelease  # noqa: E402
from trading.tenders.models import Lot, Notice, Tender, TenderState  # noqa: E402

PAIRED = 2_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def build(count: int, rng: random.Random) -> tuple[list[int], int]:
    now = clock.now()
    tenderer = accounts.create_organisation("system:bench", "Bench tenderer", "tenderer")
    agency = accounts.create_organisation("system:bench", "Bench agency", "agency")
    user = accounts.create_user(
        "system:bench", "bench-agency", "bench password 1", "agency", agency.id
    )
    rows = [
        tender_row(
            n,
            now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
            TenderState.PUBLISHED,
            tenderer.id,
            agency.id,
            user.id,
            description="General construction of the section",
            category=rng.choice(("works", "goods", "services")),
            method=rng.choice(("comprehensive", "lowest_price")),
        )
        for n in range(count)
    ]
    bulk(Tender, rows)
    ids = list(db.session.scalars(select(Tender.id).order_by(Tender.id)))
    db.session.commit()
    bulk(Lot, lot_rows(ids))
    return ids, user.id


def publish(ids: list[int], reference_of: dict[int, str]) -> list[float]:
    times = []
    for tender_id in ids:
        started = time.perf_counter()
        with db.transaction() as session:
            # as publish_tender does: the unit holds the tender (and its lots) it changes
            session.get(Tender, tender_id).lots  # noqa: B018
            events.emit(
                "tender.published",
                "system:bench",
                tender_id=tender_id,
                reference=reference_of[tender_id],
            )
        times.append(time.perf_counter() - started)
    return times


def amend(ids: list[int], user_id: int) -> None:
    for tender_id in ids:
        with db.transaction() as session:
            deadline = session.get(Tender, tender_id).bid_deadline
            notice = Notice(
                tender_id=tender_id,
                kind="amendment",
                title="Amended quantities",
                body="Section 3 replaced.",
                affects_preparation=False,
                issued_by_id=user_id,
                issued_at=clock.now(),
                deadline_before=deadline,
                deadline_after=deadline,
            )
            session.add(notice)
            session.flush()
            events.emit(
                "tender.notice_issued",
                "system:bench",
                tender_id=tender_id,
                notice_id=notice.id,
                kind="amendment",
                affects_preparation=False,
            )


def ledger_only(ids: list[int], reference_of: dict[int, str]) -> list[float]:
    """The same units (``tender.published`` again) with the publication subscriber off: the
    ledger, the detectors and the rest as before, no release."""
    events._subscribers.remove(publication.on_event)
    try:
        return publish(ids, reference_of)
    finally:
        events.subscribe(publication.on_event)


def build_rate(ids: list[int]) -> float:
    facts = []
    for tender_id in ids:
        tender = db.session.get(Tender, tender_id)
        facts.append(publication.tender_facts(db.session, tender))
    db.session.commit()
    started = time.perf_counter()
    for n, fact in enumerate(facts):
        change = ocds.Change(n + 1, "tender.published", fact.published_at, {"tender_id": n})
        json.dumps(ocds.build_release("ocds-bench00-", change, fact), ensure_ascii=False)
    return len(facts) / (time.perf_counter() - started)


def export_rate(folder: str) -> tuple[float, int]:
    path = Path(folder) / "releases.json"
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as stream:
        count = publication.write_export(
            stream, publication.export_texts(), "http://localhost/api/ocds/releases?after=0"
        )
    elapsed = time.perf_counter() - started
    package = json.loads(path.read_text(encoding="utf-8"))
    assert len(package["releases"]) == count
    return count / elapsed, count


def feed_pages(client, seqs: list[int], pages: int, limit: int, rng: random.Random) -> list[float]:
    times = []
    for _ in range(20):  # warm up
        client.get(f"/api/ocds/releases?after=0&limit={limit}")
    for _ in range(pages):
        after = rng.choice(seqs)
        started = time.perf_counter()
        answer = client.get(f"/api/ocds/releases?after={after}&limit={limit}")
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenders", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--limit", type=int, default=100)
    options = parser.parse_args()
    rng = random.Random(11)
    folder = tempfile.mkdtemp(prefix="bidhall-bench-feed-")
    url = os.environ.get("BIDHALL_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app(
        {
            "BIDHALL_INSTANCE": folder,
            "DATABASE_URL": url,
            "SCHEDULER_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    clock.use(clock.FakeClock(datetime(2026, 12, 1, 1, 30, tzinfo=UTC)))
    with app.app_context():
        migrate.upgrade()
        started = time.perf_counter()
        ids, user_id = build(options.tenders, rng)
        reference_of = dict(db.session.execute(select(Tender.id, Tender.reference)).all())
        db.session.commit()
        emit({"name": "build", "tenders": len(ids), "s": round(time.perf_counter() - started, 1)})

        started = time.perf_counter()
        # the machine is noisy: the units without publication alternate with those with it,
        # 20 and 20 over the first PAIRED tenders (each then has its event twice in the ledger)
        published, alone = [], []
        for start in range(0, min(PAIRED, len(ids)), 20):
            alone += ledger_only(ids[start : start + 20], reference_of)
            published += publish(ids[start : start + 20], reference_of)
        published += publish(ids[PAIRED:], reference_of)
        amend(rng.sample(ids, len(ids) // 10), user_id)
        emit(
            {
                "name": "publish",
                "units": len(published),
                "s": round(time.perf_counter() - started, 1),
                "p50_ms": round(statistics.median(published) * 1000, 2),
                "p99_ms": round(percentile(published, 0.99) * 1000, 2),
            }
        )
        emit(
            {
                "name": "ledger_only",
                "units": len(alone),
                "p50_ms": round(statistics.median(alone) * 1000, 2),
                "p99_ms": round(percentile(alone, 0.99) * 1000, 2),
            }
        )
        stored = db.session.scalar(select(func.count()).select_from(PublishedRelease))
        seqs = list(db.session.scalars(select(PublishedRelease.seq)))
        db.session.commit()
        built = build_rate(ids)
        emit({"name": "build_releases", "releases_per_s": round(built)})
        exported, count = export_rate(folder)
        emit({"name": "export", "releases": count, "releases_per_s": round(exported)})
    client = app.test_client()
    pages = feed_pages(client, seqs, options.pages, options.limit, rng)
    emit(
        {
            "name": "feed_page",
            "limit": options.limit,
            "pages": len(pages),
            "p50_ms": round(statistics.median(pages) * 1000, 2),
            "p99_ms": round(percentile(pages, 0.99) * 1000, 2),
        }
    )
    summary = {
        "tenders": len(ids),
        "releases": stored,
        "publish_ms_p50": round(statistics.median(published) * 1000, 2),
        "publish_ms_p99": round(percentile(published, 0.99) * 1000, 2),
        "ledger_only_ms_p50": round(statistics.median(alone) * 1000, 2),
        "ledger_only_ms_p99": round(percentile(alone, 0.99) * 1000, 2),
        "build_releases_per_s": round(built),
        "feed_page_p50_ms": round(statistics.median(pages) * 1000, 2),
        "database": url.split(":", 1)[0],
        "ocds_releases_per_s": round(exported),
        "feed_page_p99_ms": round(percentile(pages, 0.99) * 1000, 2),
    }
    emit(summary)


if __name__ == "__main__":
    main()
