"""docs/opening.md is enough to write a client and a record checker: every message a hall says
has a documented type and exactly the documented payload fields, every refusal code the hall
raises is listed, and the record hashes as the doc says."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from audit.ledger.models import LedgerEntry
from bidhall.canonical import canonical
from bidhall.db import db
from tests.fixtures.opening import Seat
from tests.fixtures.pki import SUMMARY, submit_bid
from trading.opening import hall as opening_hall
from trading.opening import record as opening_record
from trading.opening import rules as opening

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "opening.md"


def documented_messages() -> dict[str, set[str]]:
    """``type -> payload fields`` from the doc's table of hall messages."""
    section = DOC.read_text(encoding="utf-8").split("### Hall messages", 1)[1]
    messages = {}
    for line in section.split("\n\n", 2)[1].splitlines():
        row = re.match(r"\| `(hall\.\w+)` \|[^|]*\|(.*)\|\s*$", line)
        if row:
            payload = re.sub(r"\([^)]*\)", "", row.group(2))  # drop the values named in ()
            messages[row.group(1)] = set(re.findall(r"`(\w+)(?:`|:)", payload))
    return messages


def messages(api, hall_id: int) -> list[dict]:
    answer = api.get(f"/api/tenders/{hall_id}/opening/messages?after=0")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["messages"]


def whole_opening(make_hall, world, enroll):
    """Sign-in, an announcement, three bids decrypted by their bidders (one summary without the
    optional key_commitments), one excused and recovered from shares, the reading out, an
    objection answered, the closing."""
    hall = make_hall(3)
    user = world.bidder()
    bundle = enroll(user)
    summary = {k: v for k, v in SUMMARY.items() if k != "key_commitments"}
    bid = submit_bid(user, bundle, hall.id, summary)
    short = Seat(user.id, bundle, bid.id, bid.storage_key, summary)
    hall.run(hall.bidders[0].user, "sign_in")
    hall.run(hall.agency, "sign_in")
    hall.run(hall.agency, "say", text="The opening starts at the deadline.")
    hall.reach_deadline()
    for seat in [hall.bidders[0], hall.bidders[1], short]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    stuck = hall.bidders[2]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="the hall's server was down")
    hall.run(
        hall.supervisor, "share", bid_id=stuck.bid_id, **hall.shares(hall.supervisor_id, stuck)
    )
    hall.run(hall.agency, "read_next")
    hall.run(hall.bidders[1].user, "object", text="Was bid No. 1's price read right?")
    hall.run(hall.agency, "answer", number=1, text="It was read as sealed.")
    for _ in range(3):
        hall.run(hall.agency, "read_next")
    closed = hall.run(hall.agency, "close")
    return hall, short, closed


def test_every_message_a_hall_says_has_its_documented_type_and_fields(
    make_hall, world, enroll, api_for
):
    documented = documented_messages()
    api = api_for(world.agency)
    hall, short, _closed = whole_opening(make_hall, world, enroll)
    said = messages(api, hall.id)
    # a hall where one bid is excused and never recovered and the others are never decrypted
    late = make_hall(3)
    late.reach_deadline()
    late.run(late.agency, "excuse", bid_id=late.bidders[0].bid_id, reason="a power cut at 10:02")
    late.tick_at(late.deadline + timedelta(minutes=31))
    late.run(late.agency, "read_next")
    said += messages(api, late.id)
    # a hall with too few bids
    failed = make_hall(2)
    failed.reach_deadline()
    said += messages(api, failed.id)

    for message in said:
        assert message["type"] in documented, message
        assert set(message["payload"]) == documented[message["type"]], message
    assert {m["type"] for m in said} == set(documented)
    read_out = {m["payload"]["bid_no"]: m["payload"] for m in said if m["type"] == "hall.read_out"}
    short_no = opening_hall.state(hall.agency, hall.id)["bids"][3]["bid_no"]
    assert [name for name, _ in read_out[short_no]["items"]] == [
        "lot",
        "price",
        "duration_days",
        "quality",
        "project_manager",
    ]
    revoked = [m for m in messages(api, late.id) if m["type"] == "hall.read_out"]
    assert revoked[0]["payload"]["items"] == []


def test_the_record_hashes_as_the_doc_says(make_hall, world, enroll, client):
    hall, short, closed = whole_opening(make_hall, world, enroll)
    served = client.get(f"/api/tenders/{hall.id}/opening/record")
    assert served.status_code == 200
    document = served.get_json()
    record_sha256 = hashlib.sha256(canonical(document)).hexdigest()
    assert record_sha256 == closed["record_sha256"]
    assert opening_hall.state(hall.agency, hall.id)["record_sha256"] == record_sha256
    said = client.get(f"/api/tenders/{hall.id}/opening/messages?after=0").get_json()["messages"]
    assert said[-1]["type"] == "hall.closed"
    assert said[-1]["payload"] == {"record_sha256": record_sha256}
    assert said[-1]["seq"] == document["record"]["hall_last_seq"] + 1
    published = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.type == "opening.record_published")
    ).one()
    assert f'"record_sha256":"{record_sha256}"' in published.payload
    assert document["record"]["read_order"] == "lot, then order of receipt"
    entry = next(
        b for b in document["record"]["bids"] if b["manifest_sha256"] == short.bid.manifest_sha256
    )
    assert "key_commitments" not in [name for name, _ in entry["items"]]
    assert opening_record.verify_record(document).ok


def test_every_refusal_code_of_the_hall_is_documented():
    text = DOC.read_text(encoding="utf-8")
    hall = [path for path in (ROOT / "trading" / "opening").glob("*.py") if path.name != "cli.py"]
    sources = [*hall, *(ROOT / "bidhall" / "realtime").glob("*.py")]  # the CLI's are its own
    codes = set()
    for source in sources:
        codes |= set(re.findall(r'code="(\w+)"', source.read_text(encoding="utf-8")))
    codes -= {"not_decrypted"}  # the evaluation's documents key, not a hall answer
    codes |= {f"hall_{phase}" for phase in opening.Phase}
    codes |= {f"bid_{outcome}" for outcome in opening.Outcome if outcome != "pending"}
    codes |= {"before_opening", "invalid_text", "json_too_deep", "decryption_failed"}
    missing = sorted(code for code in codes if f"`{code}`" not in text)
    assert missing == []
