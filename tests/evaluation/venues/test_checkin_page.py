"""The venue check-in page in a real headless Chromium: the local supervisor ticks the identity
and phone boxes and checks a declared expert in, is refused when the phone box is left empty,
and checks the expert out. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


def test_the_local_supervisor_checks_an_expert_in_and_out_on_the_page(
    opened, declare, open_page, clock
):
    from playwright.sync_api import expect

    seated = opened  # the bids read out: the experts may declare and be checked in
    clock.set(seated.draw.scheduled_at)
    expert, undeclared = seated.members_at(seated.main)[:2]
    assert declare(seated.draw.id, expert).status_code == 201
    page = open_page()
    sign_in(page, seated.main_supervisor)
    page.goto("/checkin")
    page.click(f"[data-draw-id='{seated.draw.id}'] a")
    # expect() waits for the navigation; a bare count() may read the list page
    expect(page.locator("[data-testid=roster] tbody tr")).to_have_count(3)  # main venue only
    row = page.locator(f"[data-testid=seat-{expert.id}]")
    assert "signed: no conflict" in row.locator("[data-testid=declaration]").inner_text()

    row.locator("[data-testid=identity]").check()
    row.locator("[data-testid=check-in]").click()  # the phone box left empty
    expect(page.locator(".alert-danger")).to_contain_text("phone must be handed in")
    save_screenshot(page, "checkin-refused")

    row = page.locator(f"[data-testid=seat-{expert.id}]")
    row.locator("[data-testid=identity]").check()
    row.locator("[data-testid=phone]").check()
    row.locator("[data-testid=check-in]").click()
    row = page.locator(f"[data-testid=seat-{expert.id}]")
    expect(row.locator("[data-testid=attendance]")).to_contain_text("checked in")
    other = page.locator(f"[data-testid=seat-{undeclared.id}]")
    assert "not signed" in other.locator("[data-testid=declaration]").inner_text()
    save_screenshot(page, "checkin-done")

    clock.advance(hours=3)
    row.locator("input[name=bids_reviewed]").fill("6")
    row.locator("[data-testid=check-out]").click()
    # the check-in's success alert is still on the old page: wait for the new text itself
    attendance = page.locator(f"[data-testid=seat-{expert.id}] [data-testid=attendance]")
    expect(attendance).to_contain_text("checked out")


def test_the_check_in_page_is_in_chinese_for_a_chinese_browser(seated, login):
    browser = login(seated.main_supervisor)
    html = browser.get(
        f"/checkin/draws/{seated.draw.id}", headers={"Accept-Language": "zh"}
    ).get_data(as_text=True)
    assert "场地签到" in html and "已确认身份" in html
