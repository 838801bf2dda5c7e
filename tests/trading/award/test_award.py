"""From the committee's report to the contract: the candidates' publicity (≥ 3 days, published
within 3 days of the report or by the platform), objections to the result during it (answered
within 3 days; the award waits), the decision with its notices, and the contract whose
signature starts the refunds (Regs Art 54, 55, 57, 58; Law Art 46)."""

from __future__ import annotations

import pytest

from bidhall import scheduler


def award_as(api, tender_id: int) -> dict:
    [award] = api.get(f"/api/tenders/{tender_id}/awards").get_json()
    return award


def events_of(type_: str) -> list[dict]:
    import json

    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    return [
        json.loads(e.payload)
        for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.type == type_))
    ]


def messages_of(user, kind: str) -> list:
    """The messages of ``kind`` for ``user`` (a User or its id)."""
    user_id = getattr(user, "id", user)
    from sqlalchemy import select

    from bidhall.db import db
    from bidhall.notifications.models import Notification

    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
        )
    )


def end_publicity(reported, clock) -> None:
    from trading.award.queries import get_award

    clock.set(get_award(reported.award_id).publicity_end)


# --- publicity ----------------------------------------------------------------------------------


def test_the_candidates_stay_private_until_they_are_published(
    reported, client, api_for, award_agency, world
):
    public = client.get(f"/api/tenders/{reported.tender_id}/awards").get_json()[0]
    managers = award_as(award_agency, reported.tender_id)

    assert "candidates" not in public
    assert [c["rank"] for c in managers["candidates"]] == [1, 2, 3]


def test_the_tenders_managers_are_told_to_publish_the_candidates(reported, award_agency, world):
    assert messages_of(reported.agency_id, "award.report_received")


def test_a_publicity_shorter_than_three_days_is_refused(reported, api_for, award_agency, world):
    response = award_agency.post(f"/api/awards/{reported.award_id}/publicity", json={"days": 2})

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "publicity_too_short"
    assert award_as(award_agency, reported.tender_id)["state"] == "reported"


def test_published_candidates_are_public_with_their_prices(publicised, client):
    award = client.get(f"/api/tenders/{publicised.tender_id}/awards").get_json()[0]

    assert award["state"] == "publicity"
    assert [c["price"] for c in award["candidates"]] == [
        seat.summary["price"] for seat in publicised.ranked
    ]
    assert "organisation_id" not in award["candidates"][0]


def test_only_the_tenders_managers_publish_the_candidates(reported, api_for, make_user):
    response = api_for(make_user("agency")).post(
        f"/api/awards/{reported.award_id}/publicity", json={"days": 3}
    )

    assert response.status_code == 403


def test_the_platform_publishes_the_candidates_when_three_days_pass(reported, clock, client):
    clock.advance(days=3, seconds=-1)
    scheduler.tick(clock.now())
    assert "candidates" not in client.get(f"/api/tenders/{reported.tender_id}/awards").get_json()[0]

    clock.advance(seconds=1)
    scheduler.tick(clock.now())
    award = client.get(f"/api/tenders/{reported.tender_id}/awards").get_json()[0]

    assert award["publicity"]["published_by"] == "platform"
    assert len(award["candidates"]) == 3


def test_a_second_tick_publishes_nothing_more(reported, clock):
    clock.advance(days=3)
    scheduler.tick(clock.now())
    scheduler.tick(clock.now())

    assert len(events_of("award.publicity_started")) == 1


# --- objections to the result -------------------------------------------------------------------


def test_a_bidder_objects_during_the_publicity_and_the_award_waits(
    publicised, api_for, award_agency, world, clock
):
    objection = api_for(publicised.bidder(2)).post(
        f"/api/awards/{publicised.award_id}/objections",
        json={"body": "The winner's licence expired."},
    )
    end_publicity(publicised, clock)

    refused = award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={})

    assert objection.status_code == 201
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "objection_pending"


def test_the_answered_objection_lets_the_award_go_on(
    publicised, api_for, award_agency, world, clock
):
    objector = publicised.bidder(2)
    raised = (
        api_for(objector)
        .post(
            f"/api/awards/{publicised.award_id}/objections",
            json={"body": "The winner's licence expired."},
        )
        .get_json()
    )
    award_agency.post(
        f"/api/awards/{publicised.award_id}/objections/{raised['id']}/answer",
        json={"answer": "The licence was renewed on 1 March; see the bid's annex 4."},
    )
    end_publicity(publicised, clock)

    decided = award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={})

    assert decided.status_code == 200
    assert messages_of(objector, "award.objection_answered")


def test_an_objection_after_the_publicity_is_refused(publicised, api_for, clock):
    end_publicity(publicised, clock)

    response = api_for(publicised.bidder(3)).post(
        f"/api/awards/{publicised.award_id}/objections", json={"body": "Too late?"}
    )

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "publicity_over"


def test_only_the_tenders_bidders_object_to_its_result(publicised, api_for, award_agency, world):
    response = api_for(world.bidder()).post(
        f"/api/awards/{publicised.award_id}/objections", json={"body": "I did not bid."}
    )

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_a_bidder"


def test_a_bidder_sees_its_own_objection_but_not_anothers(publicised, api_for):
    api_for(publicised.bidder(2)).post(
        f"/api/awards/{publicised.award_id}/objections", json={"body": "Objection of bidder two."}
    )

    mine = award_as(api_for(publicised.bidder(2)), publicised.tender_id)
    theirs = award_as(api_for(publicised.bidder(3)), publicised.tender_id)

    assert [o["body"] for o in mine["objections"]] == ["Objection of bidder two."]
    assert "objections" not in theirs


def test_an_objection_not_answered_in_three_days_is_reported_once(publicised, api_for, clock):
    api_for(publicised.bidder(2)).post(
        f"/api/awards/{publicised.award_id}/objections", json={"body": "Objection."}
    )
    clock.advance(days=3)
    scheduler.tick(clock.now())
    assert events_of("award.objection_overdue") == []

    clock.advance(seconds=1)
    scheduler.tick(clock.now())
    scheduler.tick(clock.now())

    assert len(events_of("award.objection_overdue")) == 1


# --- the decision -------------------------------------------------------------------------------


def test_the_award_waits_for_the_end_of_the_publicity(
    publicised, api_for, award_agency, world, clock
):
    clock.advance(days=3, seconds=-1)

    response = award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={})

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "publicity_running"


def test_the_first_candidate_wins_by_default(publicised, api_for, award_agency, world, clock):
    end_publicity(publicised, clock)

    award = award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={}).get_json()

    first = publicised.ranked[0]
    assert award["state"] == "awarded"
    assert award["award"]["rank"] == 1
    assert award["award"]["amount"] == first.summary["price"]


def test_the_winner_gets_the_award_notice_and_the_others_the_result(
    publicised, api_for, award_agency, world, clock
):
    end_publicity(publicised, clock)

    award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={})

    assert messages_of(publicised.bidder(1), "award.won")
    assert not messages_of(publicised.bidder(1), "award.result")
    assert messages_of(publicised.bidder(2), "award.result")
    assert messages_of(publicised.bidder(3), "award.result")


def test_passing_over_the_first_candidate_needs_a_reason(
    publicised, api_for, award_agency, world, clock
):
    end_publicity(publicised, clock)

    response = award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={"rank": 2})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bypass_reason_required"


def test_the_second_candidate_wins_when_the_first_gave_up(
    publicised, api_for, award_agency, world, clock
):
    end_publicity(publicised, clock)

    award = award_agency.post(
        f"/api/awards/{publicised.award_id}/decision",
        json={
            "rank": 2,
            "reason": "gave_up",
            "note": "Its letter of 12 March gives up the award.",
        },
    ).get_json()

    assert award["award"]["rank"] == 2
    assert award["award"]["reason"] == "gave_up"
    assert messages_of(publicised.bidder(2), "award.won")


@pytest.fixture
def awarded(publicised, award_agency, clock):
    end_publicity(publicised, clock)
    award_agency.post(f"/api/awards/{publicised.award_id}/decision", json={})
    return publicised


# --- the contract -------------------------------------------------------------------------------


def contract_of(api, reported, **overrides):
    from bidhall import clock as clock_module

    body = {
        "amount": reported.ranked[0].summary["price"],
        "performance_security": "500000.00",
        "signed_on": clock_module.local(clock_module.now(), "Asia/Shanghai").date().isoformat(),
    } | overrides
    return api.post(f"/api/awards/{reported.award_id}/contract", json=body)


def test_the_signed_contract_starts_the_release_of_the_guarantees(
    awarded, api_for, award_agency, world
):
    from bidhall.db import db
    from trading.guarantees.models import Guarantee

    response = contract_of(award_agency, awarded)

    guarantee = db.session.get(Guarantee, awarded.guarantee_id, populate_existing=True)
    assert response.status_code == 201
    assert response.get_json()["state"] == "contracted"
    assert guarantee.release_reason == "contract_signed"
    assert len(events_of("contract.signed")) == 1


def test_a_contract_at_another_price_than_the_award_is_refused(
    awarded, api_for, award_agency, world
):
    response = contract_of(award_agency, awarded, amount="1.00")

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "contract_price_differs"
    assert events_of("contract.signed") == []


def test_a_performance_security_above_ten_percent_is_refused(awarded, api_for, award_agency, world):
    price = awarded.ranked[0].summary["price"]
    too_much = f"{float(price) * 0.1 + 0.01:.2f}"

    response = contract_of(award_agency, awarded, performance_security=too_much)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "performance_security_too_high"


def test_a_contract_not_recorded_in_thirty_days_is_reported_once(awarded, clock):
    clock.advance(days=30)
    scheduler.tick(clock.now())
    assert events_of("award.contract_overdue") == []

    clock.advance(seconds=1)
    scheduler.tick(clock.now())
    scheduler.tick(clock.now())

    assert len(events_of("award.contract_overdue")) == 1
