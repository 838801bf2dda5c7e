"""The supervisors' alert pages through the HTTP test client, with real sessions and CSRF tokens:
the log (cards, states, detectors named in the page's language, the counts, the CSV link with the
same filters) and one alert's page (its evidence, and the forms that acknowledge, assign and
resolve it)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.fixtures.app import csrf_token

ROOT = Path(__file__).resolve().parents[3]


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def browser(login, world):
    """The supervisor's signed-in client."""
    return login(world.supervisor)


def post_form(browser, page: str, action: str, **data):
    data["csrf_token"] = csrf_token(browser, page)
    return browser.post(action, data=data)


def test_the_log_lists_each_alert_with_its_card_state_and_detector(log, browser):
    page = text_of(browser.get("/supervision/alerts"))
    for alert in log:
        row = re.search(rf'<tr data-alert-id="{alert["id"]}">(.*?)</tr>', page, re.S).group(1)
        assert f'data-severity="{alert["severity"]}"' in row
        assert "Open" in row and alert["summary"] in row and (alert["subject"] or "—") in row
    assert "Red card" in page and "Yellow card" in page
    assert "Vote closed before every present member voted" in page
    assert "One member alone against all the others, vote after vote" in page
    counts = {
        severity: sum(1 for a in log if a["severity"] == severity) for severity in ("red", "yellow")
    }
    assert f'data-count="red">Red card: {counts["red"]}<' in page
    assert f'data-count="yellow">Yellow card: {counts["yellow"]}<' in page


def test_the_log_keeps_its_filters_and_links_the_csv_of_the_same_rows(log, browser, committee):
    red = [a for a in log if a["severity"] == "red"]
    page = text_of(
        browser.get(f"/supervision/alerts?severity=red&session_id={committee.id}&state=&from=")
    )
    assert re.findall(r'<tr data-alert-id="(\d+)"', page) == [str(a["id"]) for a in reversed(red)]
    link = re.search(r'href="(/api/alerts\.csv[^"]*)" data-testid="csv"', page).group(1)
    query = sorted(link.split("?", 1)[1].split("&"))
    assert query == [f"session_id={committee.id}", "severity=red"]
    export = browser.get(link).get_data(as_text=True).splitlines()
    assert [line.split(",", 1)[0] for line in export[1:]] == [str(a["id"]) for a in reversed(red)]
    assert '<option selected value="red">' in page


def test_the_log_names_the_cards_states_and_detectors_in_chinese(alert, browser):
    page = text_of(browser.get("/supervision/alerts", headers={"Accept-Language": "zh-CN"}))
    assert "红牌" in page and "待处理" in page and "表决未经全部在场评委投票即结束" in page


def test_a_bad_filter_on_the_log_is_explained_on_the_page(app, login, make_user):
    browser = login(make_user("supervisor"))
    response = browser.get("/supervision/alerts?severity=blue&tender_id=x")
    assert response.status_code == 400
    assert "unknown severity 'blue'" in text_of(response)
    assert 'data-testid="filters"' in text_of(response)


def test_the_alert_page_shows_its_evidence(alert, browser):
    page = text_of(browser.get(f"/supervision/alerts/{alert['id']}"))
    assert alert["summary"] in page and alert["basis"] in page
    seqs = re.search(r'data-testid="seqs">(.*?)</p>', page, re.S).group(1)
    assert re.findall(r"<code>(\d+)</code>", seqs) == [str(s) for s in alert["evidence"]["seqs"]]
    cells = r'<tr data-figure="(\w+)"><td><code>\w+</code></td><td><code>(.*?)</code>'
    figures = dict(re.findall(cells, page))
    assert figures["ballots"] == "1" and figures["present"] == "5"
    assert figures["closed_by"] == "leader" and figures["voted_seats"] == '["2"]'
    assert 'data-threshold="rule"' in page and "ballots = present members" in page
    for form in ("acknowledge-form", "assign-form", "resolve-form"):
        assert f'data-testid="{form}"' in page


def test_the_forms_acknowledge_assign_and_resolve_the_alert(
    alert, browser, supervisor_api, make_user
):
    page = f"/supervision/alerts/{alert['id']}"
    colleague = make_user("supervisor")

    acknowledged = post_form(browser, page, f"{page}/acknowledge")
    assert acknowledged.status_code == 302 and acknowledged.headers["Location"].endswith(page)
    shown = text_of(browser.get(page))
    assert "The alert is acknowledged" in shown and 'data-testid="acknowledge-form"' not in shown
    assert f'<option value="{colleague.id}">{colleague.display_name}</option>' in shown

    assigned = post_form(browser, page, f"{page}/assign", assignee_id=str(colleague.id))
    assert assigned.status_code == 302
    assert f"The alert is assigned to {colleague.display_name}." in text_of(browser.get(page))

    note = "Revoted with every member present; the leader was reminded of Art 26."
    resolved = post_form(browser, page, f"{page}/resolve", resolution="false_positive", note=note)
    assert resolved.status_code == 302
    shown = text_of(browser.get(page))
    assert "The alert is resolved with your note." in shown and note in shown
    assert 'data-testid="resolve-form"' not in shown and "False positive" in shown
    state = supervisor_api.get(f"/api/alerts/{alert['id']}").get_json()
    assert (state["state"], state["assignee_id"], state["resolution"], state["note"]) == (
        "resolved",
        colleague.id,
        "false_positive",
        note,
    )


def test_resolving_on_the_page_without_a_note_is_refused_in_the_pages_language(
    alert, browser, supervisor_api
):
    page = f"/supervision/alerts/{alert['id']}"
    data = {"resolution": "confirmed", "note": " ", "csrf_token": csrf_token(browser, page)}
    response = browser.post(f"{page}/resolve", data=data, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 400
    assert "办结预警须填写说明" in text_of(response)
    assert 'data-testid="resolve-form"' in text_of(response)
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json() == alert


def test_a_form_posted_without_the_csrf_token_is_refused(alert, browser, supervisor_api):
    response = browser.post(f"/supervision/alerts/{alert['id']}/acknowledge", data={})
    assert response.status_code == 400
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json() == alert


def test_every_detector_has_a_name_and_every_refusal_its_chinese_text():
    from audit.alerts import forms
    from audit.detectors.base import DETECTORS

    forms.detector_ids()  # every family loaded
    assert sorted(set(DETECTORS) - set(forms.DETECTOR_NAMES)) == []
    with open(ROOT / "translations/zh/LC_MESSAGES/messages.po", "rb") as po_file:
        catalog = read_po(po_file)
    codes = (
        "alert_not_found",
        "alert_not_open",
        "alert_resolved",
        "invalid_resolution",
        "note_required",
        "invalid_assignee",
        "unknown_severity",
        "unknown_state",
        "unknown_detector",
        "unknown_parameter",
        "invalid_period",
    )
    assert [c for c in codes if not getattr(catalog.get(f"error:{c}"), "string", "")] == []


def _leader_expert(committee) -> int:
    from sqlalchemy import select

    from bidhall.db import db
    from evaluation.sessions.models import SessionMember

    return db.session.scalar(
        select(SessionMember.expert_id).where(
            SessionMember.session_id == committee.id, SessionMember.seat == 1
        )
    )


def test_a_credit_decision_is_recorded_from_the_alerts_page(alert, browser, committee):
    page = f"/supervision/alerts/{alert['id']}"
    assert 'data-testid="alert-credit-form"' in text_of(browser.get(page))
    recorded = post_form(
        browser,
        page,
        f"{page}/credit",
        **{
            "credit-subject_kind": "expert",
            "credit-subject_id": str(_leader_expert(committee)),
            "credit-kind": "deduction",
            "credit-points": "2",
            "credit-reason": "Closed the vote with four members yet to vote.",
        },
    )
    assert recorded.status_code == 302, text_of(recorded)
    shown = text_of(browser.get(page))
    assert "The credit decision is recorded on this alert." in shown
    assert 'data-testid="alert-credit-decision" data-kind="deduction"' in shown
    assert "Closed the vote with four members yet to vote." in shown


def test_a_credit_decision_without_its_reason_is_refused_at_its_field(alert, browser, committee):
    page = f"/supervision/alerts/{alert['id']}"
    refused = post_form(
        browser,
        page,
        f"{page}/credit",
        **{
            "credit-subject_kind": "expert",
            "credit-subject_id": str(_leader_expert(committee)),
            "credit-kind": "deduction",
            "credit-points": "2",
            "credit-reason": " ",
        },
    )
    assert refused.status_code == 400
    assert 'data-testid="alert-credit-decision"' not in text_of(refused)
    assert "is-invalid" in text_of(refused)
