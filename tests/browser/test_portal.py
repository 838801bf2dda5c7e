"""The public portal in a real headless Chromium, on a phone (390 px) in Chinese: a visitor
searches and filters the tender notices, pages through them and reads the change notices.
Screenshots go to test-artifacts/portal-*.png."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import CHROMIUM, save_screenshot
from trading.tenders import notices

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture
def app_overrides() -> dict:
    return {
        "REGIONS": {"330100": "滨江区", "330200": "湖滨区"},
        "PORTAL_PAGE_SIZE": 2,
        "OPERATOR_NAME": "滨江公共资源交易中心",
    }


@pytest.fixture
def phone(chromium, server):
    context = chromium.new_context(
        base_url=server, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10000)
    yield context.new_page()
    context.close()


def test_a_visitor_on_a_phone_searches_filters_and_pages_through_the_notices(
    phone, make_tender, world
):
    from playwright.sync_api import expect

    for number in range(3):
        make_tender(title=f"滨江道路改造 第{number + 1}标段", region="330100")
    lakeside = make_tender(title="湖滨学校食堂改造", region="330200")
    notices.issue_notice(
        world.agency, lakeside.id, "clarification", "现场踏勘时间调整", "改为周一。", False
    )

    phone.goto("/")
    expect(phone.get_by_test_id("result-count")).to_have_text("共 4 条公告 · 第 1 页，共 2 页")
    expect(phone.locator("button[data-lang=zh]")).to_have_attribute("aria-pressed", "true")
    expect(phone.get_by_test_id("site-footer")).to_contain_text("滨江公共资源交易中心")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    save_screenshot(phone, "portal-1-home-zh-390")

    # the search box and the region filter
    phone.fill("#q", "道路")
    phone.select_option("#region", "330100")
    phone.get_by_test_id("portal-search").click()
    expect(phone.get_by_test_id("result-count")).to_contain_text("共 3 条公告")
    expect(phone.get_by_test_id("portal-row")).to_have_count(2)
    expect(phone.get_by_test_id("portal-row").first).to_contain_text("第3标段")
    expect(phone.get_by_test_id("portal-row").first).to_contain_text("滨江区")

    # the next page keeps the filters
    phone.get_by_test_id("page-next").click()
    expect(phone.get_by_test_id("portal-row")).to_have_count(1)
    expect(phone.get_by_test_id("portal-row")).to_contain_text("第1标段")
    expect(phone.locator("#region")).to_have_value("330100")
    save_screenshot(phone, "portal-2-filtered-page-2-zh-390")

    # the change notices, and from one to its place on the tender's page
    phone.locator("[data-testid=notice-types] a[data-type=change]").click()
    expect(phone.locator("h1")).to_have_text("澄清与修改")
    expect(phone.get_by_test_id("no-results")).to_be_visible()  # the search still says 道路
    phone.get_by_role("link", name="清除").click()
    row = phone.get_by_test_id("portal-row")
    expect(row).to_contain_text("现场踏勘时间调整")
    row.get_by_role("link").click()
    expect(phone.locator("[data-testid=notice]:target")).to_contain_text("改为周一。")
    save_screenshot(phone, "portal-3-notice-zh-390")


def test_a_date_the_period_cannot_use_is_shown_at_its_field(phone):
    from playwright.sync_api import expect

    phone.goto("/?from=2026-03-05&to=2026-03-01")

    expect(phone.locator("#from")).to_have_class("form-control is-invalid")
    expect(phone.locator("#from")).to_have_value("2026-03-05")  # kept to be corrected
    expect(phone.get_by_test_id("field-error")).to_have_text(
        "请按 YYYY-MM-DD 填写日期，且不得晚于截止日期。"
    )
