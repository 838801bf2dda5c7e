"""Public portal and message centre benchmark (not a test): the portal's searches over a
year's worth of published tenders, and what the message centre adds to an action that tells
hundreds of users.

    .venv/bin/python bench/portal.py [--tenders 20000] [--holders 500]

The tenders and their clarifications are bulk-inserted (published over 2 years, 3 categories,
10 regions, titles from a word list); each timed request is a real GET through the app's test
client (query, template, the footer and the nav): the first page, a title search, the filters
together, the change notices searched, a page far down the list, and GET /api/tenders with a
search. Then one tender gets ``--holders`` bidders holding its documents (each with 2 users),
and ``trading.tenders.notices.issue_notice`` is timed with them (a message per user, written in
the same transaction) against the same call on a tender nobody holds.

Prints one JSON line per measurement; the last line is the summary (medians and p95 in ms).
Database: a temporary SQLite file, or BIDHALL_BENCH_DATABASE_URL (an empty PostgreSQL database).
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
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bidhall import clock, migrate  # noqa: E402
from bidhall.accounts import services as accounts  # noqa: E402
from bidhall.accounts.models import Organisation, Role, User  # noqa: E402
from bidhall.db import db  # noqa: E402
from bidhall.notifications.models import Notification  # noqa: E402
from bidhall.shell.app import create_app  # noqa: E402
from trading.tenders import notices  # noqa: E402
from trading.tenders.models import Lot, Notice, Participation, Tender, TenderState  # noqa: E402

REGIONS = {f"33{n:02d}00": f"Region {n}" for n in range(1, 11)}
WORDS = (
    "school road bridge hospital library park water pipeline station housing canal museum "
    "tunnel market stadium clinic depot lighting drainage campus"
).split()
STATES = (
    [TenderState.PUBLISHED] * 2
    + [TenderState.CLOSED, TenderState.OPENED] * 3
    + [
        TenderState.FAILED,
        TenderState.TERMINATED,
    ]
)
BATCH = 5_000
RUNS = 30


def emit(data: dict) -> None:
    print(json.dumps(data), flush=True)


def bulk(model, rows: list[dict]) -> list:
    with db.transaction() as session:
        for start in range(0, len(rows), BATCH):
            session.execute(insert(model), rows[start : start + BATCH])


def tender_row(
    n: int,
    published: datetime,
    state: TenderState,
    tenderer_id: int,
    agency_id: int,
    user_id: int,
    **fields,
) -> dict:
    """A tender as the services leave it once published (bench/feed.py uses it too)."""
    row = {
        "reference": f"BH-B-{n:06d}",
        "title": f"Bench works, section {n}",
        "description": "",
        "rule_set": "construction",
        "category": "works",
        "method": "comprehensive",
        "region": None,
        "criteria": [],
        "qualification": "",
        "tenderer_id": tenderer_id,
        "agency_id": agency_id,
        "created_by_id": user_id,
        "state": state.value,
        "bid_validity_days": 90,
        "decrypt_window_minutes": 30,
        "timezone": "Asia/Shanghai",
        "issue_start": published,
        "issue_end": published + timedelta(days=6),
        "bid_deadline": published + timedelta(days=21),
        "created_at": published - timedelta(days=3),
        "published_at": published,
        "terminated_at": published + timedelta(days=9) if state == TenderState.TERMINATED else None,
        "custodian_threshold": 2,
        "custodian_fallback": True,
        "claim_on_revocation": True,
    }
    row.update(fields)
    return row


def lot_rows(tender_ids: list[int]) -> list[dict]:
    """One lot per tender."""
    return [
        {
            "tender_id": tender_id,
            "number": 1,
            "title": "Main works",
            "estimated_price": Decimal("12000000.00"),
            "ceiling_price": Decimal("11500000.00"),
            "guarantee_amount": Decimal("200000.00"),
        }
        for tender_id in tender_ids
    ]


def build(count: int, rng: random.Random) -> tuple[int, list[int]]:
    now = clock.now()
    tenderer = accounts.create_organisation("system:bench", "Bench tenderer", "tenderer")
    agency = accounts.create_organisation("system:bench", "Bench agency", "agency")
    user = accounts.create_user(
        "system:bench", "bench-agency", "bench password 1", "agency", agency.id
    )
    rows = []
    for n in range(count):
        published = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        state = rng.choice(STATES)
        rows.append(
            tender_row(
                n,
                published,
                state,
                tenderer.id,
                agency.id,
                user.id,
                title=f"{rng.choice(WORDS)} {rng.choice(WORDS)} works, section {n}",
                category=rng.choice(("works", "goods", "services")),
                region=rng.choice(list(REGIONS)),
            )
        )
    bulk(Tender, rows)
    ids = list(db.session.scalars(select(Tender.id).order_by(Tender.id)))
    published = list(
        db.session.scalars(select(Tender.id).where(Tender.state == TenderState.PUBLISHED).limit(2))
    )
    db.session.commit()
    bulk(Lot, lot_rows(ids))
    changes = [
        {
            "tender_id": tender_id,
            "kind": rng.choice(("clarification", "amendment")),
            "title": f"{rng.choice(WORDS)} clarification",
            "body": "Text.",
            "affects_preparation": False,
            "issued_by_id": user.id,
            "issued_at": now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
        }
        for tender_id in rng.sample(ids, len(ids) // 2)
    ]
    bulk(Notice, changes)
    return user.id, published


def timed(client, url: str) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def figures(name: str, times: list[float]) -> dict:
    ordered = sorted(times)
    result = {
        "name": name,
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
    }
    emit(result)
    return result


def holders(tender_id: int, count: int) -> None:
    now = clock.now()
    organisations = [
        {"name": f"Bench bidder {n}", "kind": "bidder", "created_at": now} for n in range(count)
    ]
    bulk(Organisation, organisations)
    org_ids = list(db.session.scalars(select(Organisation.id).where(Organisation.kind == "bidder")))
    db.session.commit()
    password_hash = accounts.hash_password("bench password 1")
    bulk(
        User,
        [
            {
                "username": f"bench-bidder-{org_id}-{n}",
                "display_name": f"Bidder {org_id}",
                "password_hash": password_hash,
                "role": Role.BIDDER.value,
                "organisation_id": org_id,
                "active": True,
                "created_at": now,
            }
            for org_id in org_ids
            for n in range(2)
        ],
    )
    bulk(
        Participation,
        [
            {"tender_id": tender_id, "organisation_id": org_id, "first_download_at": now}
            for org_id in org_ids
        ],
    )


def issue(agency, tender_id: int) -> list[float]:
    times = []
    for n in range(10):
        start = time.perf_counter()
        notices.issue_notice(agency, tender_id, "clarification", f"Answer {n}", "Text.", False)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenders", type=int, default=20_000)
    parser.add_argument("--holders", type=int, default=500)
    options = parser.parse_args()
    rng = random.Random(7)
    folder = tempfile.mkdtemp(prefix="bidhall-bench-portal-")
    url = os.environ.get("BIDHALL_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app(
        {
            "BIDHALL_INSTANCE": folder,
            "DATABASE_URL": url,
            "SCHEDULER_ENABLED": False,
            "REGIONS": REGIONS,
            "SECRET_KEY": "bench",
        }
    )
    clock.use(clock.FakeClock(datetime(2026, 12, 1, 1, 30, tzinfo=UTC)))
    with app.app_context():
        migrate.upgrade()
        start = time.perf_counter()
        agency_id, (first, quiet) = build(options.tenders, rng)
        emit(
            {
                "name": "build",
                "tenders": options.tenders,
                "s": round(time.perf_counter() - start, 1),
            }
        )
    client = app.test_client()
    results = [
        figures("first_page", timed(client, "/")),
        figures("search_title", timed(client, "/?q=bridge+school")),
        figures(
            "filters",
            timed(
                client, "/?category=works&state=opened&region=330300&from=2025-06-01&to=2026-05-31"
            ),
        ),
        figures("changes_search", timed(client, "/?type=change&q=canal")),
        figures("page_200", timed(client, "/?page=200")),
        figures("api_search", timed(client, "/api/tenders?q=road")),
    ]
    with app.app_context():
        agency = db.session.get(User, agency_id)
        db.session.expunge(agency)
        alone = issue(agency, quiet)
        holders(first, options.holders)
        told = issue(agency, first)
        messages = db.session.scalar(select(func.count()).select_from(Notification))
    results.append(figures("issue_notice_no_holder", alone))
    results.append(figures(f"issue_notice_{options.holders}_holders", told))
    summary = {
        "tenders": options.tenders,
        "holders": options.holders,
        "messages_written": messages,
        **{f"{r['name']}_p50_ms": r["p50_ms"] for r in results},
        **{f"{r['name']}_p95_ms": r["p95_ms"] for r in results},
        "database": url.split(":", 1)[0],
    }
    emit(summary)


if __name__ == "__main__":
    main()
