"""A release for each public change of a tender, stored in the change's own transaction with its
ledger seq, through the real services (SQLite by default, PostgreSQL with
BIDHALL_TEST_DATABASE_URL)."""

from __future__ import annotations

import json

import pytest

from tests.trading.publication import schema


def stored() -> list[dict]:
    from trading.publication import services

    return [json.loads(text) for text in services.page(0, 1000).releases]


def ledger_seq_of(event_type: str) -> int:
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    seqs = db.session.scalars(select(LedgerEntry.seq).where(LedgerEntry.type == event_type)).all()
    assert len(seqs) == 1
    return seqs[0]


def package_of(releases: list[dict]) -> dict:
    from trading.publication import services

    meta = services.package_meta("http://localhost/api/ocds/releases?after=0")
    return {**meta, "releases": releases}


def test_publishing_a_tender_stores_a_tender_release_under_the_ledger_seq_of_the_event(
    make_tender,
):
    from trading.publication.models import PublishedRelease

    tender = make_tender("published")
    [release] = stored()
    assert release["tag"] == ["tender"]
    assert release["tender"]["id"] == tender.reference
    from bidhall.db import db

    row = db.session.get(PublishedRelease, ledger_seq_of("tender.published"))
    assert row is not None and row.release_id == release["id"]


def test_nothing_is_published_before_the_publication(make_tender):
    make_tender("filed")
    assert stored() == []


def test_an_amendment_adds_a_tender_amendment_release(make_tender, world, clock):
    from datetime import timedelta

    from trading.tenders import notices

    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=10))  # less than the 15 days Art 21 needs
    notices.issue_notice(
        world.agency, tender.id, "amendment", "Quantities", "Section 3 replaced", True
    )
    releases = stored()
    assert [r["tag"] for r in releases] == [["tender"], ["tenderAmendment"]]
    # the deadline the amendment moved is in the same release (one unit, one change)
    assert (
        releases[1]["tender"]["tenderPeriod"]["endDate"]
        > (releases[0]["tender"]["tenderPeriod"]["endDate"])
    )
    schema.assert_valid_release_package(package_of(releases))


def test_terminating_a_published_tender_adds_a_cancellation(make_tender, world):
    from trading.tenders import services

    tender = make_tender("published")
    services.terminate_tender(world.agency, tender.id, "the project was cancelled")
    last = stored()[-1]
    assert last["tag"] == ["tenderCancellation"]
    assert last["tender"]["statusDetails"] == "the project was cancelled"


def test_terminating_an_unpublished_tender_publishes_nothing(make_tender, world):
    from trading.tenders import services

    tender = make_tender("filed")
    services.terminate_tender(world.agency, tender.id, "the project was cancelled")
    assert stored() == []


def test_a_failed_opening_publishes_the_count_of_bids_but_no_bidder(make_hall):
    hall = make_hall(2)
    hall.reach_deadline()
    last = stored()[-1]
    assert last["tender"]["status"] == "unsuccessful"
    assert last["bids"]["statistics"][0] == {
        "id": "bids",
        "measure": "bids",
        "value": 2,
        "date": last["bids"]["statistics"][0]["date"],
    }
    assert "details" not in last["bids"] and "tenderers" not in last["tender"]


def test_the_published_opening_record_names_the_bidders_read_out(make_hall):
    hall = make_hall(3)
    hall.read_out()
    assert all("bids" not in r for r in stored())  # the reading out alone publishes nothing
    hall.run(hall.agency, "close")
    releases = stored()
    last = releases[-1]
    assert last["tag"] == ["tenderUpdate"]
    assert last["tender"]["numberOfTenderers"] == 3
    named = {p["name"] for p in last["parties"] if "tenderer" in p["roles"]}
    assert named == {seat.user.organisation.name for seat in hall.bidders}
    assert len(last["bids"]["details"]) == 3
    schema.assert_valid_release_package(package_of(releases))


def test_no_release_before_the_opening_says_anything_about_bids_or_holders(make_hall):
    hall = make_hall(3)
    for release in stored():
        assert "bids" not in release and "tenderers" not in release["tender"]
        assert all(party["roles"] != ["tenderer"] for party in release["parties"])
    assert hall.bidders


def test_experts_never_appear_in_a_release(make_hall):
    hall = make_hall(3)
    hall.read_out()
    hall.run(hall.agency, "close")
    text = json.dumps(stored(), ensure_ascii=False)
    assert "expert" not in text.lower()


def test_a_release_is_stored_only_if_its_change_commits(make_tender, world):
    from bidhall.db import db
    from trading.tenders import services

    tender = make_tender("filed")
    with pytest.raises(RuntimeError, match="rolled back on purpose"):
        with db.transaction():
            services.publish_tender(world.agency, tender.id)
            raise RuntimeError("rolled back on purpose")
    assert stored() == []


def test_publication_installed_before_the_ledger_still_stores_the_release_under_its_seq(
    make_tender,
):
    from audit.ledger import chain as ledger
    from bidhall import events
    from bidhall.db import db
    from trading.publication import services as publication

    tender = make_tender("filed")
    events.reset()
    events.subscribe(publication.on_event)
    events.subscribe(ledger.append_event)
    db.session.remove()
    from trading.tenders.models import Tender

    with db.transaction() as session:
        session.get(Tender, tender.id).published_at = tender.issue_start
        event = events.emit("tender.published", "system:test", tender_id=tender.id)
    [release] = stored()
    assert release["id"].endswith(f"-{event.seq}")


def test_without_the_ledger_a_public_change_cannot_commit(make_tender):
    from bidhall import events
    from bidhall.db import db
    from trading.publication import services as publication

    tender = make_tender("published")
    events.reset()
    events.subscribe(publication.on_event)
    with pytest.raises(RuntimeError, match="is the audit ledger installed"):
        with db.transaction():
            events.emit("tender.published", "system:test", tender_id=tender.id)


def test_the_ocid_prefix_is_a_setting(app, make_tender):
    app.config["OCDS_PREFIX"] = "ocds-abc123-"
    from bidhall import config

    config.install(app.config)
    tender = make_tender("published")
    assert stored()[0]["ocid"] == f"ocds-abc123-{tender.reference}"


# --- the award and the contract -----------------------------------------------------------------


def test_the_candidates_publicity_publishes_one_pending_award_per_candidate(publicised):
    release = stored()[-1]

    assert release["tag"] == ["award"]
    assert [a["status"] for a in release["awards"]] == ["pending"] * 3
    schema.assert_valid_release_package(package_of([release]))


def test_the_award_decision_makes_the_winner_active_and_the_others_unsuccessful(
    publicised, award_agency, clock
):
    from trading.award.queries import get_award

    clock.set(get_award(publicised.award_id).publicity_end)
    award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={})

    release = stored()[-1]
    assert release["tag"] == ["award"]
    assert [a["status"] for a in release["awards"]] == ["active", "unsuccessful", "unsuccessful"]
    winner = publicised.ranked[0].user.organisation.name
    assert release["awards"][0]["suppliers"][0]["name"] == winner


def test_the_signed_contract_is_a_contract_release_valid_against_the_schema(
    publicised, award_agency, clock
):
    from bidhall import clock as clock_module
    from trading.award.queries import get_award

    clock.set(get_award(publicised.award_id).publicity_end)
    award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={})
    award_agency.post(
        f"/api/awards/{publicised.award_id}/contract",
        json={
            "amount": publicised.ranked[0].summary["price"],
            "performance_security": "0",
            "signed_on": clock_module.local(clock.now(), "Asia/Shanghai").date().isoformat(),
        },
    )

    releases = stored()
    assert releases[-1]["tag"] == ["contract"]
    assert releases[-1]["contracts"][0]["awardID"] == releases[-1]["awards"][0]["id"]
    schema.assert_valid_release_package(package_of(releases))
