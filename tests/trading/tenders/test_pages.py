"""The trading web pages through the HTTP test client, with real sessions and CSRF tokens: the
agency console, the supervisor's filing queue, the bidder's forms on the detail page, the admin
pages, navigation and language."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.fixtures.app import csrf_token
from trading.tenders import queries as services

ROOT = Path(__file__).resolve().parents[3]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def draft_form(token: str, tenderer_id: int, **overrides: str) -> dict[str, str]:
    """A valid draft as the browser posts it, every row included, blank ones empty (the fake
    clock starts 2026-03-01 09:30 +08:00)."""
    data = {
        f"lots-{i}-{name}": ""
        for i in range(5)
        for name in ("number", "title", "estimated_price", "ceiling_price", "guarantee_amount")
    }
    data.update(
        {f"criteria-{i}-{name}": "" for i in range(6) for name in ("name", "kind", "max_score")}
    )
    data.update(
        {
            "csrf_token": token,
            "title": "Riverside school teaching building",
            "description": "Six storeys, 12,000 m².",
            "qualification": "Grade 2 general construction contractor",
            "rule_set": "construction",
            "category": "works",
            "method": "comprehensive",
            "tenderer_id": str(tenderer_id),
            "bid_validity_days": "90",
            "decrypt_window_minutes": "30",
            "timezone": "Asia/Shanghai",
            "issue_start": "2026-03-02T09:30",
            "issue_end": "2026-03-08T17:00",
            "bid_deadline": "2026-03-23T09:30",
            "lots-0-number": "1",
            "lots-0-title": "Main works",
            "lots-0-estimated_price": "12000000",
            "lots-0-ceiling_price": "11500000",
            "lots-0-guarantee_amount": "200000",
            "criteria-0-name": "price",
            "criteria-0-kind": "price",
            "criteria-0-max_score": "60",
            "criteria-0-objective": "y",
            "criteria-1-name": "construction plan",
            "criteria-1-kind": "technical",
            "criteria-1-max_score": "30",
            "criteria-2-name": "track record",
            "criteria-2-kind": "commercial",
            "criteria-2-max_score": "10",
            "criteria-2-objective": "y",
        }
    )
    data.update(overrides)
    return data


def managed(user):

    return services.managed_tenders(user)


@pytest.fixture
def agency_browser(login, world):
    return login(world.agency)


@pytest.fixture
def supervisor_browser(login, world):
    return login(world.supervisor)


def post_draft(browser, world, **overrides):
    token = csrf_token(browser, "/agency/tenders/new")
    return browser.post(
        "/agency/tenders/new", data=draft_form(token, world.tenderer_org.id, **overrides)
    )


def post_action(browser, page: str, action: str, **data):
    data["csrf_token"] = csrf_token(browser, page)
    return browser.post(action, data=data)


# --- drafting through the form ------------------------------------------------------------------


def test_an_agency_creates_a_draft_through_the_form_and_sees_it_in_its_console(
    agency_browser, world
):
    response = post_draft(agency_browser, world)

    [tender] = managed(world.agency)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/agency/tenders/{tender.id}")
    console = text_of(agency_browser.get("/agency/tenders"))
    assert "Riverside school teaching building" in console
    assert tender.reference in console


def test_the_forms_local_times_are_read_in_the_tenders_time_zone(agency_browser, world):
    post_draft(agency_browser, world)

    [tender] = managed(world.agency)
    assert tender.issue_start == datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    assert tender.bid_deadline == datetime(2026, 3, 23, 9, 30, tzinfo=SHANGHAI)


def test_blank_lot_and_criterion_rows_are_ignored(agency_browser, world):
    post_draft(
        agency_browser,
        world,
        **{
            "lots-2-number": "2",
            "lots-2-title": "Landscaping",
            "lots-2-estimated_price": "500000",
            "lots-2-ceiling_price": "480000",
            "lots-2-guarantee_amount": "10000",
        },
    )

    [tender] = managed(world.agency)
    assert [lot.number for lot in tender.lots] == [1, 2]
    assert [c["name"] for c in tender.criteria] == ["price", "construction plan", "track record"]
    assert tender.criteria[0] == {
        "name": "price",
        "kind": "price",
        "max_score": 60,
        "objective": True,
    }


def test_a_guarantee_above_two_percent_of_the_estimate_is_refused_with_the_rules_message(
    agency_browser, world
):
    response = post_draft(agency_browser, world, **{"lots-0-guarantee_amount": "300000"})

    page = text_of(response)
    assert response.status_code == 422
    assert (
        "lot 1: the bid guarantee 300000.00 exceeds the limit of 240000.00 (2% of the "
        "estimated price, at most 800000)"
    ) in page
    assert 'value="300000"' in page  # the user's input is kept
    assert 'value="Riverside school teaching building"' in page
    assert managed(world.agency) == []


def test_a_draft_without_a_title_is_refused_with_the_message_and_nothing_is_created(
    agency_browser, world
):
    response = post_draft(agency_browser, world, title="  ")

    assert response.status_code == 400
    assert "title is required" in text_of(response)
    assert managed(world.agency) == []


def test_a_date_that_is_not_a_date_is_refused_at_the_edge(agency_browser, world):
    response = post_draft(agency_browser, world, bid_deadline="next Tuesday")

    assert response.status_code == 400
    assert "bid_deadline" in text_of(response)
    assert managed(world.agency) == []


def test_a_form_post_without_a_csrf_token_is_refused(agency_browser, world):
    data = draft_form("", world.tenderer_org.id)
    del data["csrf_token"]

    response = agency_browser.post("/agency/tenders/new", data=data)

    assert response.status_code == 400
    assert 'data-error-code="csrf_failed"' in text_of(response)
    assert managed(world.agency) == []


def test_an_action_button_without_a_csrf_token_is_refused(agency_browser, make_tender):
    tender = make_tender("filed")

    response = agency_browser.post(f"/agency/tenders/{tender.id}/publish")

    assert response.status_code == 400
    assert services.get_tender(tender.id).state.value == "filed"


def test_a_tenderer_user_may_only_pick_its_own_organisation(login, world, make_org):
    other = make_org("tenderer")
    page = text_of(login(world.tenderer).get("/agency/tenders/new"))

    assert world.tenderer_org.name in page
    assert other.name not in page


def test_the_edit_form_shows_the_stored_draft_in_local_time_and_saves_changes(
    agency_browser, world, make_tender
):
    tender = make_tender("draft")
    form_page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}/edit"))
    assert 'value="2026-03-02T09:30"' in form_page  # 2026-03-02 01:30 UTC in Shanghai time
    assert 'value="11500000.00"' in form_page

    token = csrf_token(agency_browser, f"/agency/tenders/{tender.id}/edit")
    response = agency_browser.post(
        f"/agency/tenders/{tender.id}/edit",
        data=draft_form(token, world.tenderer_org.id, title="Teaching building, revised"),
    )

    assert response.status_code == 302
    assert managed(world.agency)[0].title == "Teaching building, revised"


# --- the management page: documents, filing, publication ----------------------------------------


def test_an_agency_uploads_a_document_and_submits_the_draft_for_filing(agency_browser, make_tender):
    tender = make_tender("draft")
    page = f"/agency/tenders/{tender.id}"

    upload = agency_browser.post(
        f"{page}/documents",
        data={
            "csrf_token": csrf_token(agency_browser, page),
            "upload-file": (io.BytesIO(b"%PDF-1.7 documents"), "tender documents.pdf"),
        },
        content_type="multipart/form-data",
    )
    submit = post_action(agency_browser, page, f"{page}/filing")

    assert upload.status_code == 302
    assert submit.status_code == 302
    managed_page = text_of(agency_browser.get(page))
    assert "tender_documents.pdf" in managed_page
    assert 'data-testid="filing-history"' in managed_page
    assert services.get_tender(tender.id).state.value == "filing"


def test_an_upload_without_a_file_is_refused_on_the_management_page(agency_browser, make_tender):
    tender = make_tender("draft")
    page = f"/agency/tenders/{tender.id}"

    response = post_action(agency_browser, page, f"{page}/documents")

    assert response.status_code == 400
    assert 'data-testid="upload-form"' in text_of(response)


def test_submitting_without_documents_re_renders_the_page_with_the_reason(
    agency_browser, make_tender
):
    tender = make_tender("draft")
    page = f"/agency/tenders/{tender.id}"

    response = post_action(agency_browser, page, f"{page}/filing")

    assert response.status_code == 422
    body = text_of(response)
    assert "attach the tender documents before filing" in body
    assert "alert-danger" in body
    assert tender.title in body


def test_publishing_a_draft_is_refused_with_a_conflict(agency_browser, make_tender):
    tender = make_tender("draft")
    page = f"/agency/tenders/{tender.id}"

    response = post_action(agency_browser, page, f"{page}/publish")

    assert response.status_code == 409
    assert "a tender that is draft cannot be published" in text_of(response)


def test_an_agency_publishes_a_filed_tender_and_the_public_sees_it(
    agency_browser, client, make_tender
):
    tender = make_tender("filed")
    page = f"/agency/tenders/{tender.id}"

    response = post_action(agency_browser, page, f"{page}/publish")

    assert response.status_code == 302
    assert tender.title in text_of(client.get("/"))


def test_terminating_needs_a_reason(agency_browser, make_tender):
    tender = make_tender("draft")
    page = f"/agency/tenders/{tender.id}"

    refused = post_action(agency_browser, page, f"{page}/terminate", **{"terminate-reason": ""})
    done = post_action(
        agency_browser,
        page,
        f"{page}/terminate",
        **{"terminate-reason": "The project was cancelled by the city."},
    )

    assert refused.status_code == 400
    assert "reason is required" in text_of(refused)
    assert done.status_code == 302
    assert "The project was cancelled by the city." in text_of(agency_browser.get(page))


def test_another_agency_cannot_open_the_management_page(login, make_user, make_tender):
    tender = make_tender("draft")
    outsider = login(make_user("agency"))

    assert outsider.get(f"/agency/tenders/{tender.id}").status_code == 404
    assert outsider.get(f"/agency/tenders/{tender.id}/edit").status_code == 404


def test_another_agency_cannot_act_on_a_published_tender(login, make_user, make_tender):
    tender = make_tender("published")
    outsider = login(make_user("agency"))
    page = f"/tenders/{tender.id}"

    response = post_action(
        outsider, page, f"/agency/tenders/{tender.id}/terminate", **{"terminate-reason": "mischief"}
    )

    assert response.status_code == 403
    assert services.get_tender(tender.id).state.value == "published"


# --- the supervisor's filing queue --------------------------------------------------------------


def test_a_supervisor_reviewing_a_filing_opens_its_documents_from_the_page(
    supervisor_browser, make_tender
):
    tender = make_tender("filing")
    review = text_of(supervisor_browser.get(f"/supervision/filings/{tender.id}"))
    [link] = re.findall(r'data-testid="read-document" href="([^"]+)"', review)

    document = supervisor_browser.get(link, headers={"Accept": "text/html"})

    assert document.status_code == 200
    assert document.data == b"%PDF-1.7 tender documents"
    assert "25 Bytes" in review  # its size as people read it (KB, MB for larger ones)


def test_a_supervisor_accepts_a_filing_from_the_queue(
    supervisor_browser, agency_browser, make_tender
):
    tender = make_tender("filing")
    queue = text_of(supervisor_browser.get("/supervision/filings"))
    assert tender.title in queue
    review = text_of(supervisor_browser.get(f"/supervision/filings/{tender.id}"))
    assert "11,500,000.00" in review and "construction plan" in review
    assert "tender-documents.pdf" in review

    response = post_action(
        supervisor_browser,
        f"/supervision/filings/{tender.id}",
        f"/supervision/filings/{tender.id}",
        decision="accept",
    )

    assert response.status_code == 302
    assert tender.title not in text_of(supervisor_browser.get("/supervision/filings"))
    assert 'data-testid="publish"' in text_of(agency_browser.get(f"/agency/tenders/{tender.id}"))


def test_returning_a_filing_without_reasons_is_refused(supervisor_browser, make_tender):
    tender = make_tender("filing")
    page = f"/supervision/filings/{tender.id}"

    response = post_action(supervisor_browser, page, page, decision="return", reason=" ")

    assert response.status_code == 400
    assert "returning a filing needs the reasons" in text_of(response)
    assert services.get_tender(tender.id).state.value == "filing"


def test_the_agency_sees_the_supervisors_reasons_for_a_returned_filing(
    supervisor_browser, agency_browser, make_tender
):
    tender = make_tender("filing")
    page = f"/supervision/filings/{tender.id}"

    post_action(
        supervisor_browser,
        page,
        page,
        decision="return",
        reason="The qualification requirements exclude small firms.",
    )

    managed_page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}"))
    assert "The qualification requirements exclude small firms." in managed_page
    assert 'data-testid="edit"' in managed_page


# --- notices ------------------------------------------------------------------------------------


def test_an_amendment_that_moves_the_deadline_is_shown_on_the_public_page(
    agency_browser, client, clock, make_tender
):
    tender = make_tender("published")  # deadline 2026-03-22 09:30 +08:00
    clock.advance(days=10)  # 10 days left: an amendment needs 15
    page = f"/agency/tenders/{tender.id}"

    response = post_action(
        agency_browser,
        page,
        f"{page}/notices",
        **{
            "notice-kind": "amendment",
            "notice-title": "Revised bill of quantities",
            "notice-body": "Item 3.2 is replaced.",
            "notice-affects_preparation": "y",
        },
    )

    assert response.status_code == 302
    public = text_of(client.get(f"/tenders/{tender.id}"))
    assert 'data-testid="deadline-moved"' in public
    assert "Revised bill of quantities" in public
    assert re.search(r'data-testid="deadline">2026-03-27 09:30:00<', public)


def test_a_notice_without_a_title_is_refused_and_keeps_the_text(agency_browser, make_tender):
    tender = make_tender("published")
    page = f"/agency/tenders/{tender.id}"

    response = post_action(
        agency_browser,
        page,
        f"{page}/notices",
        **{"notice-kind": "clarification", "notice-title": "", "notice-body": "Kept text."},
    )

    assert response.status_code == 400
    assert "title is required" in text_of(response)
    assert "Kept text." in text_of(response)


# --- the bidder on the public detail page -------------------------------------------------------


@pytest.fixture
def holder(login, world, make_tender):
    """A published tender and a signed-in bidder who has downloaded its documents."""
    tender = make_tender("published")
    bidder = world.bidder()
    browser = login(bidder)
    detail = browser.get(f"/tenders/{tender.id}").get_data(as_text=True)
    [link] = re.findall(r'href="(/api/tenders/\d+/documents/\d+)"', detail)
    download = browser.get(link)
    assert download.status_code == 200
    assert download.data == b"%PDF-1.7 tender documents"
    return tender, browser, bidder


def test_a_bidder_sees_the_question_form_only_after_downloading(login, world, make_tender):
    tender = make_tender("published")
    browser = login(world.bidder())
    before = text_of(browser.get(f"/tenders/{tender.id}"))

    browser.get(f"/api/tenders/{tender.id}/documents/{tender.documents[0].id}")

    after = text_of(browser.get(f"/tenders/{tender.id}"))
    assert 'data-testid="question-form"' not in before
    assert 'data-testid="question-form"' in after
    assert 'data-testid="objection-form"' in after


def test_a_holder_asks_a_question_through_the_detail_page(holder):
    tender, browser, _bidder = holder
    page = f"/tenders/{tender.id}"

    response = post_action(
        browser, page, f"{page}/questions", **{"question-body": "Is item 3.2 priced per metre?"}
    )

    assert response.status_code == 302
    detail = text_of(browser.get(page))
    assert 'data-testid="my-question"' in detail
    assert "Is item 3.2 priced per metre?" in detail


def test_the_agency_sees_questions_without_the_asker(holder, agency_browser):
    tender, browser, bidder = holder
    page = f"/tenders/{tender.id}"
    post_action(browser, page, f"{page}/questions", **{"question-body": "Which cement grade?"})

    managed_page = text_of(agency_browser.get(f"/agency/tenders/{tender.id}"))

    assert "Which cement grade?" in managed_page
    assert bidder.organisation.name not in managed_page
    assert bidder.username not in managed_page


def test_answering_a_question_with_a_clarification_shows_it_to_the_asker(
    holder, agency_browser, world
):
    tender, browser, _bidder = holder
    page = f"/tenders/{tender.id}"
    post_action(browser, page, f"{page}/questions", **{"question-body": "Which cement grade?"})
    [question] = services.questions_for(world.agency, tender.id)
    manage = f"/agency/tenders/{tender.id}"

    post_action(
        agency_browser,
        manage,
        f"{manage}/notices",
        **{
            "notice-kind": "clarification",
            "notice-title": "Cement grade",
            "notice-body": "P.O 42.5.",
            "notice-question_id": str(question.id),
        },
    )

    detail = text_of(browser.get(page))
    assert "«Cement grade»" in detail


def test_a_bidder_who_has_not_downloaded_cannot_ask(login, world, make_tender):
    tender = make_tender("published")
    browser = login(world.bidder())
    page = f"/tenders/{tender.id}"

    response = post_action(browser, page, f"{page}/questions", **{"question-body": "Why?"})

    assert response.status_code == 403
    assert "only bidders who downloaded the documents may do this" in text_of(response)


def test_a_holder_raises_an_objection_and_the_tender_is_suspended(holder):
    tender, browser, _bidder = holder
    page = f"/tenders/{tender.id}"

    response = post_action(
        browser,
        page,
        f"{page}/objections",
        **{"objection-body": "The qualification excludes local firms."},
    )

    assert response.status_code == 302
    detail = text_of(browser.get(page))
    assert 'data-testid="my-objection"' in detail
    assert "The qualification excludes local firms." in detail
    assert services.get_tender(tender.id).state.value == "suspended"


def test_an_objection_too_close_to_the_deadline_is_refused_and_keeps_the_text(holder, clock):
    tender, browser, _bidder = holder
    clock.advance(days=15)  # 5 days left, 10 are needed
    page = f"/tenders/{tender.id}"

    response = post_action(
        browser, page, f"{page}/objections", **{"objection-body": "Too late, but kept."}
    )

    assert response.status_code == 422
    body = text_of(response)
    assert "at least 10 days before the bid deadline" in body
    assert "Too late, but kept." in body


def test_the_agency_answers_an_objection_and_the_tender_resumes(holder, agency_browser, world):
    tender, browser, _bidder = holder
    page = f"/tenders/{tender.id}"
    post_action(browser, page, f"{page}/objections", **{"objection-body": "Unfair clause."})
    [objection] = services.objections_for(world.agency, tender.id)
    manage = f"/agency/tenders/{tender.id}"

    response = post_action(
        agency_browser,
        manage,
        f"{manage}/objections/{objection.id}/answer",
        **{f"answer-{objection.id}-answer": "The clause is removed."},
    )

    assert response.status_code == 302
    assert services.get_tender(tender.id).state.value == "published"
    assert "The clause is removed." in text_of(browser.get(page))


def test_a_manager_gets_a_link_to_the_console_on_the_detail_page(agency_browser, make_tender):
    tender = make_tender("published")

    page = text_of(agency_browser.get(f"/tenders/{tender.id}"))

    assert f'href="/agency/tenders/{tender.id}"' in page


def test_an_anonymous_visitor_is_invited_to_sign_in_to_download(client, make_tender):
    tender = make_tender("published")

    page = client.get(f"/tenders/{tender.id}").get_data(as_text=True)

    assert f'<a href="/login?next=/tenders/{tender.id}">' in page


# --- who may open what --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/agency/tenders", "/agency/tenders/new", "/supervision/filings"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/agency/tenders", "/agency/tenders/new", "/supervision/filings"])
def test_a_bidder_cannot_open_the_console_or_the_filing_queue(login, world, path):
    assert login(world.bidder()).get(path).status_code == 403


def test_an_agency_cannot_open_the_filing_queue(agency_browser):
    assert agency_browser.get("/supervision/filings").status_code == 403


def test_a_supervisor_cannot_open_the_agency_console(supervisor_browser):
    assert supervisor_browser.get("/agency/tenders").status_code == 403


def test_the_navigation_shows_each_role_its_pages(login, world, make_user):
    agency = text_of(login(world.agency).get("/"))
    supervisor = text_of(login(world.supervisor).get("/"))
    admin = text_of(login(make_user("admin")).get("/"))

    assert 'data-testid="nav-console"' in agency and 'data-testid="nav-filings"' not in agency
    assert 'data-testid="nav-filings"' in supervisor
    assert 'data-testid="nav-console"' not in supervisor
    assert 'data-testid="nav-users"' in admin and 'data-testid="nav-organisations"' in admin


# --- admin pages --------------------------------------------------------------------------------


def test_an_admin_registers_an_organisation_through_the_page(login, make_user):
    browser = login(make_user("admin"))

    response = post_action(
        browser,
        "/admin/organisations",
        "/admin/organisations",
        name="Eastern Bridge Works Ltd",
        kind="bidder",
        credit_code="",
    )

    assert response.status_code == 302
    assert "Eastern Bridge Works Ltd" in text_of(browser.get("/admin/organisations"))


def test_an_admin_registers_a_user_through_the_page(login, make_user, make_org):
    browser = login(make_user("admin"))
    org = make_org("bidder")

    response = post_action(
        browser,
        "/admin/users",
        "/admin/users",
        username="li.wei",
        display_name="Li Wei",
        password="a-long-password-1",
        role="bidder",
        organisation_id=str(org.id),
    )

    assert response.status_code == 302
    assert "li.wei" in text_of(browser.get("/admin/users"))


def test_a_user_whose_role_does_not_fit_the_organisation_is_refused(login, make_user, make_org):
    browser = login(make_user("admin"))
    org = make_org("bidder")

    response = post_action(
        browser,
        "/admin/users",
        "/admin/users",
        username="wang.fang",
        password="a-long-password-1",
        role="agency",
        organisation_id=str(org.id),
    )

    assert response.status_code == 400
    assert "a agency belongs to a agency organisation" in text_of(response)


def test_the_admin_pages_are_for_admins_only(agency_browser):
    assert agency_browser.get("/admin/users").status_code == 403
    assert agency_browser.get("/admin/organisations").status_code == 403


# --- language -----------------------------------------------------------------------------------


def test_pages_are_in_chinese_by_default(client):
    # a browser that states no language gets the platform's default
    page = text_of(client.get("/", headers={"Accept-Language": ""}))

    assert "招标公告" in page
    assert 'lang="zh-CN"' in page


def test_the_language_switch_renders_english_and_back_to_chinese(client):
    token = csrf_token(client, "/")

    client.post("/lang/en", data={"csrf_token": token})
    english = text_of(client.get("/"))
    client.post("/lang/zh", data={"csrf_token": token})
    chinese = text_of(client.get("/"))

    assert "Tender notices" in english and "招标公告" not in english
    assert "招标公告" in chinese and "Tender notices" not in chinese


def test_the_console_is_in_chinese_for_a_chinese_user(agency_browser, make_tender):
    tender = make_tender("draft")

    page = text_of(agency_browser.get("/agency/tenders", headers={"Accept-Language": "zh-CN"}))

    assert "我的项目" in page or "招标项目" in page
    assert "草稿" in page  # the state name
    assert tender.title in page


@pytest.mark.parametrize(
    "msgid",
    [
        "draft",
        "filing",
        "returned",
        "filed",
        "published",
        "suspended",
        "closed",
        "terminated",
        "construction",
        "gov_procurement",
        "lowest_price",
        "comprehensive",
        "works",
        "goods",
        "services",
        "clarification",
        "amendment",
        "termination",
        "price",
        "technical",
        "commercial",
    ],
)
def test_every_state_rule_set_method_and_kind_has_a_chinese_name(app, msgid):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh"):
        assert gettext(msgid) != msgid


def test_every_string_of_the_trading_and_admin_pages_has_a_chinese_translation():
    with open(ROOT / "translations/zh/LC_MESSAGES/messages.po", "rb") as po_file:
        catalog = read_po(po_file)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    method_map = [
        ("templates/base.html", "jinja2"),
        ("templates/_*.html", "jinja2"),
        ("templates/trading/**.html", "jinja2"),
        ("templates/accounts/**.html", "jinja2"),
        ("trading/**/forms.py", "python"),
        ("trading/**/views.py", "python"),
        ("bidhall/accounts/forms.py", "python"),
        ("bidhall/accounts/views.py", "python"),
    ]
    used = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT),
            method_map,
            keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None},
        )
    }

    assert sorted(m for m in used if m not in translated) == []


def test_a_refused_lot_price_is_shown_at_its_field_in_the_pages_language(agency_browser, world):
    response = post_draft(agency_browser, world, **{"lots-0-ceiling_price": "13000000"})
    body = text_of(response)

    assert response.status_code == 422
    assert re.search(r'id="lots-0-ceiling_price"[^>]*aria-invalid="true"', body) or re.search(
        r'aria-invalid="true"[^>]*id="lots-0-ceiling_price"', body
    )
    assert 'id="lots-0-ceiling_price-error" data-testid="field-error">' in body
    assert 'value="13000000"' in body  # the input is kept to be corrected


def test_a_date_the_form_cannot_read_is_shown_at_its_field(agency_browser, world):
    response = post_draft(agency_browser, world, bid_deadline="next Tuesday")
    body = text_of(response)

    assert response.status_code == 400
    assert 'id="bid_deadline"' in body
    assert body.split('id="bid_deadline"')[0].rsplit("<input", 1)[1].count("is-invalid") == 1
    assert "invalid-feedback" in body.split('id="bid_deadline"')[1].split("</div>")[0] + "</div>"
