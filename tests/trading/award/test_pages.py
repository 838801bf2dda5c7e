"""The award through its pages: the managers' award page (publish, decide, record the contract)
and the tender's public page (the candidates, the result, a bidder's objection to it)."""

from __future__ import annotations

import html

import pytest

from tests.fixtures.app import csrf_token


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post_action(browser, page: str, action: str, **data):
    data["csrf_token"] = csrf_token(browser, page)
    return browser.post(action, data=data)


@pytest.fixture
def agency_browser(reported, login):
    return login(reported.hall.agency)


def test_the_award_page_shows_the_reports_candidates_to_the_agency(reported, agency_browser):
    page = agency_browser.get(f"/agency/tenders/{reported.tender_id}/award")

    assert page.status_code == 200
    body = text_of(page)
    for seat in reported.hall.bidders:
        assert seat.user.organisation.name in body
    assert 'data-testid="publicity-form"' in body


def test_the_agency_publishes_the_candidates_from_the_award_page(reported, agency_browser, client):
    page = f"/agency/tenders/{reported.tender_id}/award"

    response = post_action(
        agency_browser,
        page,
        f"/agency/awards/{reported.award_id}/publicity",
        **{f"publicity-{reported.award_id}-days": "5"},
    )

    assert response.status_code == 302
    public = text_of(client.get(f"/tenders/{reported.tender_id}"))
    assert 'data-testid="award-public"' in public
    assert reported.ranked[0].user.organisation.name in public


def test_a_refused_publicity_is_shown_at_its_field(reported, agency_browser):
    page = f"/agency/tenders/{reported.tender_id}/award"

    response = post_action(
        agency_browser,
        page,
        f"/agency/awards/{reported.award_id}/publicity",
        **{f"publicity-{reported.award_id}-days": "1"},
    )

    assert response.status_code == 422
    assert "at least 3" in text_of(response)


def test_the_public_does_not_see_candidates_before_their_publicity(reported, client):
    public = text_of(client.get(f"/tenders/{reported.tender_id}"))

    assert 'data-testid="award-public"' not in public


def test_a_bidder_objects_to_the_result_from_the_tender_page(publicised, login):
    browser = login(publicised.bidder(3))
    page = f"/tenders/{publicised.tender_id}"

    response = post_action(
        browser,
        page,
        f"/awards/{publicised.award_id}/objections",
        **{f"award-objection-{publicised.award_id}-body": "The second bid was cheaper."},
    )

    assert response.status_code == 302
    assert "The second bid was cheaper." in text_of(browser.get(page))


def test_an_empty_objection_is_refused_at_its_field(publicised, login):
    browser = login(publicised.bidder(3))
    page = f"/tenders/{publicised.tender_id}"

    response = post_action(
        browser,
        page,
        f"/awards/{publicised.award_id}/objections",
        **{f"award-objection-{publicised.award_id}-body": "  "},
    )

    assert response.status_code == 400
    assert "body is required" in text_of(response)


def test_the_agency_decides_and_records_the_contract_from_the_award_page(publicised, login, clock):
    from trading.award.queries import get_award

    clock.set(get_award(publicised.award_id).publicity_end)
    browser = login(publicised.hall.agency)
    page = f"/agency/tenders/{publicised.tender_id}/award"
    award = publicised.award_id
    post_action(
        browser, page, f"/agency/awards/{award}/decision", **{f"decision-{award}-rank": "1"}
    )

    response = post_action(
        browser,
        page,
        f"/agency/awards/{award}/contract",
        **{
            f"contract-{award}-amount": publicised.ranked[0].summary["price"],
            f"contract-{award}-performance_security": "0",
            f"contract-{award}-signed_on": clock.now().date().isoformat(),
        },
    )

    assert response.status_code == 302
    assert 'data-testid="contract-signed"' in text_of(browser.get(page))


def test_the_award_committees_ballots_are_entered_one_line_per_member(
    report_for, login, clock, api_for
):
    from trading.award.queries import get_award

    reported = report_for("committee_vote")
    browser = login(reported.hall.agency)
    page = f"/agency/tenders/{reported.tender_id}/award"
    award = reported.award_id
    post_action(
        browser, page, f"/agency/awards/{award}/publicity", **{f"publicity-{award}-days": "3"}
    )
    clock.set(get_award(award).publicity_end)
    lines = "\n".join(
        f"Member {n}; {choice}; because {n}" for n, choice in enumerate((3, 3, 1, 3, 2), 1)
    )

    response = post_action(
        browser, page, f"/agency/awards/{award}/decision", **{f"decision-{award}-ballots": lines}
    )

    assert response.status_code == 302
    assert get_award(award).winner_rank == 3
    assert 'data-testid="ballots"' in text_of(browser.get(page))
