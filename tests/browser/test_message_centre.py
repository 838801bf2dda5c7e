"""The message centre in a real headless Chromium, on a phone in Chinese: a bidder holding a
tender's documents sees the bell count a clarification, reads it in the message centre and
opens it at its place on the tender's page. Screenshots go to test-artifacts/messages-*.png."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import CHROMIUM, open_menu, save_screenshot, sign_in
from trading.tenders import notices
from trading.tenders import services as tenders

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


def test_a_holder_reads_a_clarification_from_the_bell_on_a_phone(
    chromium, server, make_tender, world
):
    from playwright.sync_api import expect

    tender = make_tender(title="滨江大桥维修工程")
    bidder = world.bidder()
    tenders.download_document(bidder, tender.id, tender.documents[0].id)
    notices.issue_notice(
        world.agency, tender.id, "clarification", "现场踏勘改期", "改为周一。", False
    )
    context = chromium.new_context(
        base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10000)
    phone = context.new_page()
    try:
        sign_in(phone, bidder)
        bell = phone.get_by_test_id("nav-messages")
        expect(bell.get_by_test_id("unread-count")).to_have_text("1")
        expect(bell).to_have_attribute("aria-label", "消息中心，1 条未读")

        # on a phone the bell is in the folded menu
        phone.set_viewport_size({"width": 390, "height": 844})
        open_menu(phone)
        expect(bell).to_be_visible()
        bell.click()
        expect(phone.locator("h1")).to_have_text("消息中心")

        message = phone.get_by_test_id("message")
        expect(message).to_have_attribute("data-read", "false")
        expect(message.get_by_test_id("message-text")).to_have_text(
            "“滨江大桥维修工程”的澄清已发布：现场踏勘改期"
        )
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
        save_screenshot(phone, "messages-1-list-zh-390")

        message.get_by_test_id("open-message").click()
        expect(phone.locator("[data-testid=notice]:target")).to_contain_text("改为周一。")
        phone.goto("/messages")
        expect(phone.get_by_test_id("message")).to_have_attribute("data-read", "true")
        expect(phone.get_by_test_id("nav-messages").get_by_test_id("unread-count")).to_have_count(0)
    finally:
        context.close()
