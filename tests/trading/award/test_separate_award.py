"""评定分离: the documents separate the evaluation from the award, and the tenderer's award
committee chooses among the candidates by the method they fix: its vote (odd, at least 5
members, each with a reason), a price competition, or a lottery whose seed is committed before
the draw and revealed at it, so that anyone re-runs it."""

from __future__ import annotations

import pytest


@pytest.fixture
def decide_by(report_for, api_for, clock):
    """``decide_by(method) -> (reported, agency api)``: the candidates published and their
    publicity over, ready for the award committee."""
    from bidhall.accounts.models import User
    from bidhall.db import db
    from trading.award.queries import get_award

    def make(method: str):
        reported = report_for(method)
        agency = api_for(db.session.get(User, reported.agency_id))
        agency.post(f"/api/awards/{reported.award_id}/publicity", json={"days": 3})
        clock.set(get_award(reported.award_id).publicity_end)
        return reported, agency

    return make


def ballots(*choices: int) -> list[dict]:
    return [
        {"member": f"Member {n}", "choice": choice, "reason": f"Reason of member {n}."}
        for n, choice in enumerate(choices, start=1)
    ]


def test_the_award_method_the_documents_fix_is_the_awards(decide_by):
    reported, agency = decide_by("committee_vote")

    [award] = agency.get(f"/api/tenders/{reported.tender_id}/awards").get_json()

    assert award["method"] == "committee_vote"


def test_an_unknown_award_method_is_refused_in_the_draft(api_for, world):
    from tests.fixtures.factories import draft_data

    response = api_for(world.agency).post(
        "/api/tenders", json=draft_data(world.tenderer_org.id, award_method="auction")
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_award_method"


# --- the award committee's vote -----------------------------------------------------------------


def test_the_committees_majority_awards_its_candidate(decide_by):
    reported, agency = decide_by("committee_vote")

    award = agency.post(
        f"/api/awards/{reported.award_id}/decision", json={"ballots": ballots(2, 2, 1, 2, 3)}
    ).get_json()

    assert award["award"]["rank"] == 2
    assert award["award"]["votes"] == {"1": 1, "2": 3, "3": 1}
    assert award["award"]["ballots"][0] == {
        "member": "Member 1",
        "choice": 2,
        "reason": "Reason of member 1.",
    }


def test_the_public_sees_the_votes_and_reasons_but_not_the_members_names(decide_by, client):
    reported, agency = decide_by("committee_vote")
    agency.post(
        f"/api/awards/{reported.award_id}/decision", json={"ballots": ballots(2, 2, 1, 2, 3)}
    )

    [award] = client.get(f"/api/tenders/{reported.tender_id}/awards").get_json()

    assert award["award"]["votes"] == {"1": 1, "2": 3, "3": 1}
    assert all("member" not in ballot for ballot in award["award"]["ballots"])


def test_a_tied_vote_is_refused_and_the_committee_votes_again(decide_by):
    reported, agency = decide_by("committee_vote")

    response = agency.post(
        f"/api/awards/{reported.award_id}/decision", json={"ballots": ballots(1, 1, 2, 2, 3)}
    )

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "vote_tied"
    [award] = agency.get(f"/api/tenders/{reported.tender_id}/awards").get_json()
    assert award["state"] == "publicity"


def test_a_committee_of_four_is_refused(decide_by):
    reported, agency = decide_by("committee_vote")

    response = agency.post(
        f"/api/awards/{reported.award_id}/decision", json={"ballots": ballots(1, 1, 1, 2)}
    )

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "committee_size"


def test_a_ballot_without_its_reason_is_refused(decide_by):
    reported, agency = decide_by("committee_vote")
    votes = ballots(1, 1, 1, 2, 2)
    votes[3]["reason"] = " "

    response = agency.post(f"/api/awards/{reported.award_id}/decision", json={"ballots": votes})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "reason_required"


# --- the price competition ----------------------------------------------------------------------


def test_the_lowest_evaluated_price_among_the_candidates_wins(decide_by):
    reported, agency = decide_by("price_competition")

    award = agency.post(f"/api/awards/{reported.award_id}/decision", json={}).get_json()

    lowest = min(reported.hall.bidders, key=lambda s: float(s.summary["price"]))
    assert award["award"]["amount"] == lowest.summary["price"]
    assert set(award["award"]["prices"]) == {"1", "2", "3"}


# --- the lottery --------------------------------------------------------------------------------


def test_the_lottery_is_drawn_only_after_its_seed_is_committed(decide_by):
    reported, agency = decide_by("lottery")

    response = agency.post(f"/api/awards/{reported.award_id}/decision", json={})

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "lottery_not_committed"


def test_the_drawn_lottery_reveals_the_seed_committed_before_it(decide_by, client):
    from trading.award import rules

    reported, agency = decide_by("lottery")
    committed = agency.post(f"/api/awards/{reported.award_id}/lottery").get_json()
    award = agency.post(f"/api/awards/{reported.award_id}/decision", json={}).get_json()

    document = client.get(f"/api/awards/{reported.award_id}/lottery.json").get_json()

    assert rules.verify_lottery(document, committed["lottery"]["seed_sha256"]) == []
    assert award["award"]["seed"] == document["seed"]
    winner = next(s for s in reported.hall.bidders if s.bid_id == document["order"][0])
    assert award["award"]["amount"] == winner.summary["price"]


def test_the_seed_stays_secret_until_the_draw(decide_by, client):
    reported, agency = decide_by("lottery")
    agency.post(f"/api/awards/{reported.award_id}/lottery")

    [award] = client.get(f"/api/tenders/{reported.tender_id}/awards").get_json()
    document = client.get(f"/api/awards/{reported.award_id}/lottery.json")

    assert "seed_sha256" in award["lottery"] and "seed" not in award["lottery"]
    assert document.status_code == 404


def test_a_lottery_document_with_another_seed_fails_verification(decide_by, client):
    from trading.award import rules

    reported, agency = decide_by("lottery")
    committed = agency.post(f"/api/awards/{reported.award_id}/lottery").get_json()
    agency.post(f"/api/awards/{reported.award_id}/decision", json={})
    document = client.get(f"/api/awards/{reported.award_id}/lottery.json").get_json()

    forged = rules.lottery_document(document["award_id"], document["candidates"], b"\x01" * 32)

    assert rules.verify_lottery(forged, committed["lottery"]["seed_sha256"]) == [
        "the seed's hash is not the one committed before the draw"
    ]


def test_the_seed_is_committed_once(decide_by):
    reported, agency = decide_by("lottery")
    agency.post(f"/api/awards/{reported.award_id}/lottery")

    again = agency.post(f"/api/awards/{reported.award_id}/lottery")

    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_committed"
