"""A new bidder's first step in a real headless Chromium, on a phone in Chinese: it registers its
company from the sign-in page, the administrator approves it, and it signs in.
Screenshots go to test-artifacts/registration-*.png."""

from __future__ import annotations

import pytest

from bidhall.accounts import rules
from tests.fixtures.browser import CHROMIUM, open_menu, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

PASSWORD = "correct horse 42"


def test_a_new_bidder_registers_on_a_phone_and_signs_in_once_approved(chromium, server, make_user):
    from playwright.sync_api import expect

    from bidhall.accounts import registrations

    body = "91330100MA27U1234"
    context = chromium.new_context(
        base_url=server, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10000)
    phone = context.new_page()
    try:
        phone.goto("/login")
        phone.get_by_test_id("register-link").click()
        expect(phone.locator("h1")).to_have_text("投标人注册")
        phone.fill("#organisation_name", "江城建设有限公司")
        phone.fill(
            "#credit_code", body + "0" if rules.credit_code_check(body) != "0" else body + "1"
        )
        phone.fill("#contact_name", "周平")
        phone.fill("#email", "bids@jiangcheng.example")
        phone.fill("#username", "jiangcheng")
        phone.fill("#password", PASSWORD)
        phone.fill("#confirm", PASSWORD)
        phone.get_by_test_id("register").click()
        expect(phone.locator("#credit_code")).to_have_class("form-control is-invalid")
        expect(phone.locator("#credit_code ~ .invalid-feedback")).to_contain_text("校验码")
        save_screenshot(phone, "registration-1-refused-code-zh-390")

        phone.fill("#credit_code", body + rules.credit_code_check(body))
        phone.fill("#password", PASSWORD)
        phone.fill("#confirm", PASSWORD)
        phone.get_by_test_id("register").click()
        expect(phone.locator(".alert-success")).to_contain_text("注册信息已提交")
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
        save_screenshot(phone, "registration-2-received-zh-390")

        [waiting] = registrations.registrations(make_user("admin"))
        registrations.approve(make_user("admin"), waiting.id)

        phone.fill("input[name=username]", "jiangcheng")
        phone.fill("input[name=password]", PASSWORD)
        phone.click("main form button[type=submit]")
        expect(phone.get_by_test_id("whoami")).to_be_attached()
        open_menu(phone)
        expect(phone.get_by_test_id("whoami")).to_contain_text("周平")
    finally:
        context.close()
