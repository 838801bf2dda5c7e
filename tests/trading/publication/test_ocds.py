"""The OCDS builders: plain data in, releases and packages out, valid against the OCDS 1.1.5
schemas (offline copies, tests/trading/publication/schema.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.trading.publication import schema
from trading.publication import ocds

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
PREFIX = "ocds-xxxxxx-"
TENDERER = ocds.Party(1, "江城一中", "91420100MA4K0000X1")
AGENCY = ocds.Party(2, "江城招标代理有限公司")
BIDDERS = [ocds.Party(10 + n, f"bidder {n}", None) for n in range(3)]


def facts(**overrides) -> ocds.TenderFacts:
    data = dict(
        reference="BH-2026-00012",
        title="江城一中 A 区教学楼施工",
        description="General construction",
        state="published",
        category="works",
        method="comprehensive",
        rule_set="construction",
        tenderer=TENDERER,
        agency=AGENCY,
        issue_start=AT,
        issue_end=AT + timedelta(days=6),
        bid_deadline=AT + timedelta(days=20),
        published_at=AT,
        lots=[
            ocds.LotFacts(1, "Lot 1: main works", Decimal("11500000.00")),
            ocds.LotFacts(2, "Lot 2: fit-out", Decimal("800000.50")),
        ],
        documents=[ocds.DocumentFacts(1, "tender-documents.pdf", "application/pdf", AT)],
    )
    data.update(overrides)
    return ocds.TenderFacts(**data)


def opened(read: bool = True) -> ocds.OpeningFacts:
    bids = [
        ocds.ReadBid(n + 1, 1, bidder, f"{10_000_000 + n}.50", AT + timedelta(days=3))
        for n, bidder in enumerate(BIDDERS)
    ]
    return ocds.OpeningFacts(
        at=AT + timedelta(days=20), bids_per_lot={1: 3, 2: 0}, read=bids if read else []
    )


def release(type_: str, seq: int = 7, payload: dict | None = None, **overrides) -> dict:
    change = ocds.Change(seq, type_, AT + timedelta(days=seq), payload or {"tender_id": 1})
    built = ocds.build_release(PREFIX, change, facts(**overrides))
    assert built is not None
    return built


def package(*releases: dict) -> dict:
    meta = ocds.package_meta(
        "https://bidhall.example/api/ocds/releases?after=0",
        ocds.Publisher("江城公共资源交易中心"),
        AT,
    )
    return ocds.release_package(meta, list(releases))


def test_a_published_tender_gives_a_valid_tender_release():
    built = release("tender.published")
    schema.assert_valid_release_package(package(built))
    assert built["tag"] == ["tender"]
    assert built["ocid"] == "ocds-xxxxxx-BH-2026-00012"
    assert built["id"] == "ocds-xxxxxx-BH-2026-00012-7"


def test_the_tender_names_the_buyer_and_the_agency_as_procuring_entity():
    built = release("tender.published")
    roles = {party["name"]: party["roles"] for party in built["parties"]}
    assert roles == {"江城一中": ["buyer"], "江城招标代理有限公司": ["procuringEntity"]}
    assert built["buyer"] == {"id": "CN-USCC-91420100MA4K0000X1", "name": "江城一中"}


def test_amounts_are_numbers_in_yuan():
    tender = release("tender.published")["tender"]
    assert tender["value"] == {"amount": 12300000.5, "currency": "CNY"}
    assert [lot["value"]["amount"] for lot in tender["lots"]] == [11500000, 800000.5]


def test_nothing_about_bids_goes_out_before_the_opening():
    built = release("tender.published")
    assert "bids" not in built
    assert "tenderers" not in built["tender"] and "numberOfTenderers" not in built["tender"]
    assert all(party["roles"] != ["tenderer"] for party in built["parties"])


def test_an_amendment_is_a_tender_amendment_release_with_its_amendment():
    notice = ocds.NoticeFacts(5, "amendment", "Changed quantities", "Section 3 replaced", AT)
    built = release("tender.notice_issued", payload={"kind": "amendment"}, notices=[notice])
    schema.assert_valid_release_package(package(built))
    assert built["tag"] == ["tenderAmendment"]
    assert built["tender"]["amendments"][0]["id"] == "notice-5"


def test_a_clarification_is_a_tender_update():
    notice = ocds.NoticeFacts(6, "clarification", "Answer", "Yes, it may", AT)
    built = release("tender.notice_issued", payload={"kind": "clarification"}, notices=[notice])
    assert built["tag"] == ["tenderUpdate"]
    assert built["tender"]["documents"][-1]["documentType"] == "clarifications"


def test_a_terminated_public_tender_is_a_cancellation():
    built = release(
        "tender.terminated",
        payload={"tender_id": 1, "public": True},
        state="terminated",
        termination_reason="the project was cancelled",
    )
    schema.assert_valid_release_package(package(built))
    assert built["tag"] == ["tenderCancellation"]
    assert built["tender"]["status"] == "cancelled"


def test_a_tender_terminated_before_publication_gives_no_release():
    change = ocds.Change(3, "tender.terminated", AT, {"tender_id": 1, "public": False})
    assert ocds.build_release(PREFIX, change, facts(state="terminated")) is None


def test_a_change_with_no_builder_gives_no_release():
    change = ocds.Change(3, "bid.sealed", AT, {"tender_id": 1})
    assert ocds.build_release(PREFIX, change, facts()) is None


def test_a_failed_opening_gives_bid_counts_but_no_bidder():
    built = release("tender.failed", state="failed", opening=opened(read=False))
    schema.assert_valid_release_package(package(built))
    assert built["tender"]["status"] == "unsuccessful"
    assert "details" not in built["bids"]
    assert "tenderers" not in built["tender"]
    lot_1 = next(s for s in built["bids"]["statistics"] if s.get("relatedLot") == "1")
    assert lot_1["value"] == 3


def test_the_opening_record_names_the_bidders_read_out_with_their_prices():
    built = release("opening.record_published", state="opened", opening=opened())
    schema.assert_valid_release_package(package(built))
    assert built["tender"]["numberOfTenderers"] == 3
    assert [p["name"] for p in built["parties"] if "tenderer" in p["roles"]] == [
        "bidder 0",
        "bidder 1",
        "bidder 2",
    ]
    assert built["bids"]["details"][0]["value"] == {"amount": 10000000.5, "currency": "CNY"}


def test_the_package_declares_the_lots_and_bids_extensions():
    assert package()["extensions"] == [ocds.LOTS_EXTENSION, ocds.BIDS_EXTENSION]


def test_the_package_text_is_the_same_package_as_the_dict():
    import json

    built = [release("tender.published", seq=n) for n in (1, 2)]
    meta = package()
    meta.pop("releases")
    texts = [json.dumps(r) for r in built]
    text = "".join(ocds.release_package_text(meta, texts, "https://x.example/next"))
    assert json.loads(text) == ocds.release_package(meta, built, "https://x.example/next")


def test_a_broken_release_package_is_rejected_by_the_schema():
    broken = copy.deepcopy(release("tender.published"))
    broken["tag"] = ["opening"]  # not in the releaseTag codelist
    del broken["ocid"]
    broken["tender"]["value"]["amount"] = "11500000.00"  # a string, not a number
    broken["date"] = "yesterday"  # not an RFC 3339 date-time
    found = schema.problems(package(broken))
    assert any("'ocid' is a required property" in p for p in found)
    assert any(p.startswith("releases/0/tag/0") for p in found)
    assert any(p.startswith("releases/0/tender/value/amount") for p in found)
    assert any(p.startswith("releases/0/date") for p in found)


def test_the_record_package_of_a_process_compiles_its_releases():
    releases = [
        release("tender.published", seq=1),
        release("opening.record_published", seq=2, state="opened", opening=opened()),
    ]
    meta = package()
    meta.pop("releases")
    the_record = ocds.record("ocds-xxxxxx-BH-2026-00012", releases)
    schema.assert_valid_record_package(ocds.record_package(meta, [the_record]))
    compiled = the_record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["numberOfTenderers"] == 3
    assert compiled["tender"]["documents"][0]["id"] == "document-1"


def test_the_merge_rules_are_those_of_the_release_schema():
    from ocdsmerge.rules import get_merge_rules

    assert ocds.MERGE_RULES == get_merge_rules(schema.release_schema())


@pytest.mark.parametrize("value", ["100", "100.00", "0.10"])
def test_amount_keeps_the_value(value):
    assert Decimal(str(ocds.amount(value)["amount"])) == Decimal(value)
