"""The API tokens page in Chromium, at a phone's width: a bidder creates a token, copies it,
finds it gone after a reload, and revokes it after confirming."""

from __future__ import annotations

from tests.fixtures.browser import save_screenshot, sign_in


def test_a_bidder_creates_copies_and_revokes_a_token_on_a_phone(open_page, make_user, client):
    from playwright.sync_api import expect

    page = open_page()
    sign_in(page, make_user("bidder"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/account/tokens")
    expect(page.get_by_test_id("no-tokens")).to_be_visible()
    page.fill("input[name=name]", "sealing script")
    page.get_by_test_id("token-form").locator("button[type=submit]").click()
    secret_field = page.get_by_test_id("token-secret")
    secret = secret_field.input_value()
    assert secret.startswith("bh_")
    me = client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    page.get_by_test_id("token-copy").click()
    assert page.evaluate("() => window.getSelection().toString() || document.activeElement.value")
    save_screenshot(page, "tokens-issued-390")
    page.goto("/account/tokens")
    expect(page.get_by_test_id("token-secret")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("token-revoke").click()
    expect(page.get_by_test_id("token-state")).to_have_text("Revoked")
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
