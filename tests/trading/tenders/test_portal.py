"""The public portal (GET /): notice types, search, filters, pages and the footer, through the HTTP
test client as an anonymous visitor. The fake clock starts 2026-03-01 09:30 +08:00; each
published tender of ``make_tender`` moves it a day on (to its issue start)."""

from __future__ import annotations

import html
import re

import pytest

from tests.fixtures.app import csrf_token
from trading.tenders import notices, services
from trading.tenders import queries as services_queries

REGIONS = {"330100": "Riverside", "330200": "Lakeside"}


@pytest.fixture
def app_overrides() -> dict:
    return {
        "REGIONS": REGIONS,
        "PORTAL_PAGE_SIZE": 2,
        "OPERATOR_NAME": "Riverside Public Resource Trading Centre",
        "OPERATOR_PHONE": "0571 8000 0000",
        "OPERATOR_ICP": "浙ICP备00000000号",
    }


def listed(response) -> list[int]:
    """The tender ids of the portal's rows, in their order."""
    return [
        int(i) for i in re.findall(r'data-testid="portal-row" data-tender="(\d+)"', page(response))
    ]


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_tender_notices_are_the_published_tenders_newest_first(client, make_tender):
    first, second = make_tender(), make_tender()
    make_tender("filed")

    assert listed(client.get("/")) == [second.id, first.id]


def test_a_tender_terminated_before_its_publication_stays_out_of_public_view(
    client, make_tender, world
):
    draft = make_tender("draft", title="A plan never published")
    services.terminate_tender(world.agency, draft.id, "The project was cancelled.")

    assert "A plan never published" not in page(client.get("/?type=termination"))
    assert client.get(f"/tenders/{draft.id}").status_code == 404


@pytest.mark.parametrize("text", ["Harbour", "harbour bridge", "BH-2026", "TENDERER"])
def test_the_search_finds_a_tender_by_title_reference_or_tenderer(client, make_tender, text):
    tender = make_tender(title="Harbour bridge repairs")

    assert listed(client.get("/", query_string={"q": text})) == [tender.id]


def test_the_search_text_is_matched_literally(client, make_tender):
    make_tender(title="Harbour bridge repairs")

    response = client.get("/", query_string={"q": "%"})

    assert listed(response) == []
    assert "No notice matches the search." in page(response)


def test_the_filters_narrow_the_list_by_category_state_and_region(client, make_tender):
    make_tender("closed", region="330200")
    make_tender(region="330100")
    services_tender = make_tender(category="services", region="330200")

    response = client.get(
        "/", query_string={"category": "services", "state": "published", "region": "330200"}
    )

    assert listed(response) == [services_tender.id]
    assert "Region: Lakeside" in page(response)


def test_the_period_counts_whole_local_days_of_the_publication(client, make_tender, clock):
    first = make_tender()  # published 2026-03-02 09:30 in Beijing
    make_tender()  # published 2026-03-03

    same_day = client.get("/", query_string={"from": "2026-03-02", "to": "2026-03-02"})
    later = client.get("/", query_string={"from": "2026-03-03"})

    assert listed(same_day) == [first.id]
    assert first.id not in listed(later)


def test_a_long_list_comes_in_pages_with_links_that_keep_the_filters(client, make_tender):
    tenders = [make_tender(title=f"Road section {n}") for n in range(3)]

    first = client.get("/", query_string={"q": "Road"})
    second = client.get("/", query_string={"q": "Road", "page": 2})

    assert listed(first) == [tenders[2].id, tenders[1].id]
    assert listed(second) == [tenders[0].id]
    assert "3 notices · page 1 of 2" in page(first)
    assert 'href="/?q=Road&amp;page=2"' in first.get_data(as_text=True)


def test_change_notices_list_clarifications_and_amendments_with_a_link_to_each(
    client, make_tender, world
):
    tender = make_tender()
    notice = notices.issue_notice(
        world.agency, tender.id, "clarification", "Site visit moved", "Now on Monday.", False
    )

    response = client.get("/", query_string={"type": "change"})

    assert listed(response) == [tender.id]
    assert f'href="/tenders/{tender.id}#notice-{notice.id}"' in page(response)
    assert "Site visit moved" in page(response)


def test_termination_notices_list_the_tenders_terminated_after_publication(
    client, make_tender, world
):
    kept, ended = make_tender(), make_tender()
    services.terminate_tender(world.agency, ended.id, "The budget was withdrawn.")

    assert listed(client.get("/", query_string={"type": "termination"})) == [ended.id]
    assert kept.id in listed(client.get("/"))


def test_opening_records_list_only_tenders_past_their_opening(client, make_tender):
    make_tender("closed")  # its opening is still running: no record yet

    response = client.get("/", query_string={"type": "opening"})

    assert listed(response) == []
    assert "No notice of this type is published yet." in page(response)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "from"),
        ({"page": "0"}, "page"),
        ({"region": "110000"}, "region"),
        ({"type": "change", "state": "published"}, "state"),
        ({"type": "award"}, "type"),
    ],
)
def test_a_refused_filter_answers_400_with_its_message_at_its_field(client, query, field):
    response = client.get("/", query_string=query)

    assert response.status_code == 400
    assert 'data-testid="field-error"' in page(response)
    if field in ("from", "region", "state"):
        assert f'aria-describedby="{field}-error"' in page(response)


def test_the_footer_names_the_operator_and_its_filing_number(client):
    footer = page(client.get("/")).split('data-testid="site-footer"')[1]

    assert "Riverside Public Resource Trading Centre" in footer
    assert 'href="tel:057180000000"' in footer
    assert "浙ICP备00000000号" in footer


def test_the_language_in_use_is_shown_pressed(client):
    english = page(client.get("/"))
    chinese = page(client.get("/", headers={"Accept-Language": "zh"}))

    assert re.search(r'data-lang="en" type="submit" aria-pressed="true"', english)
    assert re.search(r'data-lang="zh" type="submit" aria-pressed="true"', chinese)


def test_each_state_has_its_own_badge_colour(client, make_tender):
    make_tender()

    assert 'class="badge state-published"' in page(client.get("/"))


def test_a_tender_names_its_region_on_its_page(client, make_tender):
    tender = make_tender(region="330100")

    assert 'data-testid="tender-region">Riverside<' in page(client.get(f"/tenders/{tender.id}"))


def test_a_region_outside_the_centres_is_refused(make_tender):
    from bidhall.errors import InvalidInput

    with pytest.raises(InvalidInput, match="region"):
        make_tender("draft", region="110000")


def test_an_agency_drafts_a_tender_in_one_of_the_centres_regions_from_the_form(login, world):
    from tests.trading.tenders.test_pages import draft_form

    browser = login(world.agency)
    form = page(browser.get("/agency/tenders/new"))
    token = csrf_token(browser, "/agency/tenders/new")

    response = browser.post(
        "/agency/tenders/new", data=draft_form(token, world.tenderer_org.id, region="330200")
    )

    assert '<option value="330200">Lakeside</option>' in form
    assert response.status_code == 302
    assert [t.region for t in services_queries.managed_tenders(world.agency)] == ["330200"]


# --- the same list for scripts: GET /api/tenders ------------------------------------------------


def test_the_api_lists_the_tenders_filtered_and_paged_like_the_portal(client, make_tender):
    roads = [make_tender(title=f"Road section {n}", region="330100") for n in range(3)]
    make_tender(title="Road section in Lakeside", region="330200")

    first = client.get("/api/tenders", query_string={"q": "road", "region": "330100"})
    second = client.get(first.headers["Link"].split(">")[0].lstrip("<"))

    assert [t["id"] for t in first.get_json()] == [roads[2].id, roads[1].id]
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["Link"] == '</api/tenders?q=road&region=330100&page=2>; rel="next"'
    assert [t["id"] for t in second.get_json()] == [roads[0].id]
    assert "Link" not in second.headers
    assert second.get_json()[0]["region"] == "330100"


@pytest.mark.parametrize(
    ("query", "field"),
    [({"state": "draft"}, "state"), ({"to": "03/01/2026"}, "to"), ({"type": "change"}, "type")],
)
def test_the_api_names_the_refused_filter(client, query, field):
    response = client.get("/api/tenders", query_string=query)

    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["field"] == field
