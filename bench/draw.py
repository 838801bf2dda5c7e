"""Expert draw benchmark (not a test): the draw service end to end over a 100,000-expert pool in
5 regions and 20 specialties, and the CSV import's throughput.

    .venv/bin/python bench/draw.py

The pool is built with bulk inserts: users, experts, their specialties (each expert holds a
branch of one of 20 fields, a third of them a second one), signing-certificate registry rows
(placeholders: the draw reads the registry only), a few declared relations, unavailabilities and
penalties. Each timed draw is `evaluation.draws.services.draw_experts` for its own published tender
with bidders holding the documents: the candidate query, every exclusion, freezing and hashing
the list, the commitment, then the committee in its own transaction. The import is
`read_csv` + `import_experts` of a generated file (IMPORT_ROWS rows, every column used).

Prints one JSON line per measurement; the last line is the summary object with draw_ms_100k
(median of DRAWS draws), import_rows_per_s. Database: a temporary SQLite file, or
BIDHALL_BENCH_DATABASE_URL (e.g. a fresh PostgreSQL database; its tables must be empty).
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bidhall import clock, migrate  # noqa: E402
from bidhall.accounts import services as accounts  # noqa: E402
from bidhall.accounts.models import Role, User  # noqa: E402
from bidhall.clock import FakeClock  # noqa: E402
from bidhall.crypto import keys  # noqa: E402
from bidhall.crypto import services as crypto  # noqa: E402
from bidhall.crypto.models import Certificate, CertificatePurpose  # noqa: E402
from bidhall.db import db  # noqa: E402
from bidhall.shell.app import create_app  # noqa: E402
from evaluation.draws import services as draws  # noqa: E402
from evaluation.experts import rules  # noqa: E402
from evaluation.experts import services as experts  # noqa: E402
from evaluation.experts.models import (  # noqa: E402
    Expert,
    ExpertRelation,
    ExpertSpecialty,
    ExpertUnavailability,
)
from trading.tenders import queries  # noqa: E402
from trading.tenders import services as trading  # noqa: E402
from trading.tenders.schemas import parse_draft  # noqa: E402

POOL = 100_000
REGIONS = ("110000", "310000", "320000", "330000", "440000")
FIELDS = [f"{letter}{n:02d}" for letter in "AB" for n in range(1, 11)]  # 20 specialties
DRAWS = 5
IMPORT_ROWS = 20_000
BATCH = 5_000
START = "2026-03-01T09:30:00+08:00"


def emit(data: dict) -> None:
    print(json.dumps(data), flush=True)


def bulk(model, rows: list[dict]) -> None:
    with db.transaction() as session:
        for start in range(0, len(rows), BATCH):
            session.execute(insert(model), rows[start : start + BATCH])


def expert_users(org_id: int, prefix: str, count: int) -> list[int]:
    now = clock.now()
    bulk(
        User,
        [
            {
                "username": f"{prefix}{i}",
                "display_name": f"Expert {prefix}{i}",
                "password_hash": "!",  # cannot sign in: a bench account
                "role": Role.EXPERT,
                "organisation_id": org_id,
                "active": True,
                "created_at": now,
            }
            for i in range(count)
        ],
    )
    return list(
        db.session.scalars(
            select(User.id).where(User.username.like(f"{prefix}%")).order_by(User.id)
        )
    )


def build_pool(rng: random.Random, orgs: list[int], expert_org: int) -> float:
    started = time.perf_counter()
    now = clock.now()
    for region in REGIONS:
        experts.create_pool("system:bench", region, f"centre {region}")
    user_ids = expert_users(expert_org, "pool", POOL)
    bulk(
        Expert,
        [
            {
                "user_id": user_id,
                "id_number": f"{110101197001010000 + i:018d}",
                "name": f"Expert {i}",
                "region": REGIONS[i % len(REGIONS)],
                "employer": f"Institute {i % 997}",
                "employer_organisation_id": rng.choice(orgs) if i % 50 == 0 else None,
                "credit_score": 100,
                "penalised_until": now + timedelta(days=90) if i % 100 == 1 else None,
                "created_at": now,
            }
            for i, user_id in enumerate(user_ids)
        ],
    )
    expert_ids = list(db.session.scalars(select(Expert.id).order_by(Expert.id)))
    specialties, relations, unavailable, certificates = [], [], [], []
    for i, (expert_id, user_id) in enumerate(zip(expert_ids, user_ids, strict=True)):
        fields = rng.sample(FIELDS, 2 if i % 3 == 0 else 1)
        for field in fields:
            specialties.append({"expert_id": expert_id, "code": f"{field}0{rng.randint(1, 3)}"})
        if i % 100 == 2:
            relations.append(
                {"expert_id": expert_id, "kind": "relative", "organisation_id": rng.choice(orgs)}
            )
        if i % 50 == 3:
            unavailable.append(
                {
                    "expert_id": expert_id,
                    "starts_at": now,
                    "ends_at": now + timedelta(days=10),
                }
            )
        if i % 40 != 4:  # 2.5 % hold no certificate
            certificates.append(
                {
                    "serial": f"bench{i:x}",
                    "user_id": user_id,
                    "organisation_id": expert_org,
                    "purpose": CertificatePurpose.SIGNING,
                    "fingerprint_sha256": f"{i:064x}",
                    "public_key_sha256": f"{i:064x}",
                    "pem": "bench placeholder",
                    "not_before": now - timedelta(days=1),
                    "not_after": now + timedelta(days=700),
                    "issued_at": now,
                }
            )
    bulk(ExpertSpecialty, specialties)
    bulk(ExpertRelation, relations)
    bulk(ExpertUnavailability, unavailable)
    bulk(Certificate, certificates)
    return time.perf_counter() - started


def draft(tenderer_id: int, n: int) -> dict:
    start = clock.now() + timedelta(days=1)
    return {
        "title": f"Bench tender {n}",
        "rule_set": "construction",
        "category": "works",
        "method": "comprehensive",
        "tenderer_id": tenderer_id,
        "bid_validity_days": 90,
        "issue_start": start.isoformat(),
        "issue_end": (start + timedelta(days=6)).isoformat(),
        "bid_deadline": (start + timedelta(days=20)).isoformat(),
        "lots": [
            {
                "number": 1,
                "title": "Lot 1",
                "estimated_price": "12000000.00",
                "ceiling_price": "11500000.00",
                "guarantee_amount": "200000.00",
            }
        ],
        "criteria": [
            {"name": "price", "kind": "price", "max_score": 60, "objective": True},
            {"name": "construction plan", "kind": "technical", "max_score": 40},
        ],
    }


def published_tender(fake: FakeClock, agency, supervisor, tenderer_org, bidders, n: int):
    tender = trading.create_tender(agency, parse_draft(draft(tenderer_org, n)))
    trading.add_document(agency, tender.id, "documents.pdf", io.BytesIO(b"%PDF-1.7 bench"))
    trading.submit_for_filing(agency, tender.id)
    trading.decide_filing(supervisor, tender.id, accept=True)
    fake.set(queries.get_tender(tender.id).issue_start)
    tender = trading.publish_tender(agency, tender.id)
    for bidder in bidders:
        trading.download_document(bidder, tender.id, tender.documents[0].id)[1].close()
    return tender


def import_csv(rng: random.Random, expert_org: int, orgs: list[int]) -> bytes:
    expert_users(expert_org, "import", IMPORT_ROWS)
    out = io.StringIO()
    out.write(",".join(rules.IMPORT_COLUMNS) + "\n")
    for i in range(IMPORT_ROWS):
        field = rng.choice(FIELDS)
        out.write(
            ",".join(
                [
                    f"{220101198001010000 + i:018d}",
                    f"Imported {i}",
                    f"import{i}",
                    REGIONS[i % len(REGIONS)],
                    f"{field}01;{rng.choice(FIELDS)}",
                    f"Institute {i % 997}",
                    str(rng.choice(orgs)) if i % 10 == 0 else "",
                    f"former_employer:{rng.choice(orgs)}" if i % 20 == 0 else "",
                    "2026-04-01/2026-04-03" if i % 25 == 0 else "",
                    "90",
                    "",
                ]
            )
            + "\n"
        )
    return out.getvalue().encode()


def main() -> None:
    rng = random.Random(20260301)
    fake = FakeClock(START)
    clock.use(fake)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BIDHALL_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        create_app(
            {
                "BIDHALL_ENV": "testing",
                "DATABASE_URL": url,
                "BIDHALL_INSTANCE": f"{tmp}/instance",
                "SCHEDULER_ENABLED": False,
                "SOCKETIO_ASYNC_MODE": "threading",
            }
        )
        migrate.upgrade()
        tenderer_org = accounts.create_organisation("system:bench", "Bench tenderer", "tenderer")
        agency_org = accounts.create_organisation("system:bench", "Bench agency", "agency")
        expert_org = accounts.create_organisation("system:bench", "Expert registry", "expert")
        authority = accounts.create_organisation("system:bench", "Bench authority", "authority")
        password = "bench-password-1"
        agency = accounts.create_user("system:bench", "agency", password, "agency", agency_org.id)
        supervisor = accounts.create_user(
            "system:bench", "supervisor", password, "supervisor", authority.id
        )
        tenderer = accounts.create_user(
            "system:bench", "tenderer", password, "tenderer", tenderer_org.id
        )
        for custodian in (agency, tenderer, supervisor):  # publication names opening custodians
            crypto.enroll(custodian, keys.certificate_request(keys.generate_bundle()))
        bidders = []
        for n in range(6):
            org = accounts.create_organisation("system:bench", f"Bidder {n}", "bidder")
            bidders.append(
                accounts.create_user("system:bench", f"bidder{n}", password, "bidder", org.id)
            )
        orgs = [b.organisation_id for b in bidders] + [tenderer_org.id]

        seconds = build_pool(rng, orgs, expert_org.id)
        emit(
            {
                "measure": "pool_built",
                "experts": POOL,
                "regions": len(REGIONS),
                "specialties": len(FIELDS),
                "seconds": round(seconds, 2),
            }
        )

        timings = []
        quotas = {"110000": 3, "310000": 1, "320000": 1, "330000": 1, "440000": 1}
        for n in range(DRAWS):
            tender = published_tender(fake, agency, supervisor, tenderer_org.id, bidders, n)
            request = draws.DrawRequest(
                specialties=(FIELDS[n % len(FIELDS)],),
                members=7,
                quotas=quotas,
                reserves=dict.fromkeys(REGIONS, 2),
                scheduled_at=clock.now() + timedelta(days=1),
            )
            db.session.remove()
            started = time.perf_counter()
            draw = draws.draw_experts(agency, tender.id, request)
            elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            candidates = sum(len(r["candidates"]) for r in draw.frozen["regions"])
            emit(
                {
                    "measure": "draw",
                    "draw_id": draw.id,
                    "specialty": request.specialties[0],
                    "candidates": candidates,
                    "excluded": len(draw.frozen["excluded"]),
                    "ms": round(elapsed, 1),
                }
            )

        data = import_csv(rng, expert_org.id, orgs)
        db.session.remove()
        started = time.perf_counter()
        count = experts.import_experts(
            "system:bench", experts.read_csv(data), experts.file_sha256(data)
        )
        seconds = time.perf_counter() - started
        emit({"measure": "import", "rows": count, "seconds": round(seconds, 2)})
        summary = {
            "database": db.dialect,
            "pool": POOL,
            "draw_ms_100k": round(statistics.median(timings), 1),
            "draw_ms_max": round(max(timings), 1),
            "import_rows_per_s": round(count / seconds),
        }
        db.dispose()
    emit(summary)


if __name__ == "__main__":
    main()
