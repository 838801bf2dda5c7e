"""The tender pages in a real headless Chromium: an agency drafts, uploads and files a tender, a
supervisor accepts the filing, the agency publishes, and a visitor sees the notice with a running
countdown, in English and in Chinese. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in

TITLE = "Riverside school teaching building"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


def shot(page, name: str) -> None:
    save_screenshot(page, f"tender-pages-{name}")


def test_a_tender_goes_from_draft_to_a_public_countdown_in_the_browser(open_page, world):
    from playwright.sync_api import expect

    # the agency drafts the tender with the form
    agency = open_page()
    sign_in(agency, world.agency)
    agency.click("[data-testid=nav-console]")
    agency.click("[data-testid=new-tender]")
    agency.fill("input[name=title]", TITLE)
    agency.fill("textarea[name=description]", "Six storeys, 12,000 m².")
    agency.select_option("select[name=tenderer_id]", str(world.tenderer_org.id))
    agency.fill("input[name=issue_start]", "2026-03-02T09:30")
    agency.fill("input[name=issue_end]", "2026-03-08T17:00")
    agency.fill("input[name=bid_deadline]", "2026-03-23T09:30")
    for name, value in {
        "number": "1",
        "title": "Main works",
        "estimated_price": "12000000",
        "ceiling_price": "11500000",
        "guarantee_amount": "200000",
    }.items():
        agency.fill(f"input[name=lots-0-{name}]", value)
    criteria = [
        ("price", "price", "60", True),
        ("construction plan", "technical", "30", False),
        ("track record", "commercial", "10", True),
    ]
    for index, (name, kind, score, objective) in enumerate(criteria):
        agency.fill(f"input[name=criteria-{index}-name]", name)
        agency.select_option(f"select[name=criteria-{index}-kind]", kind)
        agency.fill(f"input[name=criteria-{index}-max_score]", score)
        if objective:
            agency.check(f"input[name=criteria-{index}-objective]")
    shot(agency, "1-draft-form")
    agency.click("[data-testid=save-draft]")
    expect(agency.locator("h1")).to_contain_text(TITLE)
    expect(agency.locator("[data-testid=state]").first).to_have_text("Draft")

    # uploads the documents and submits for filing
    agency.set_input_files(
        "input[name=upload-file]",
        files=[
            {
                "name": "tender-documents.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.7 tender documents",
            }
        ],
    )
    agency.click("[data-testid=upload]")
    expect(agency.locator("[data-testid=manage-documents]")).to_contain_text("tender-documents.pdf")
    agency.click("[data-testid=submit-filing]")
    expect(agency.locator("[data-testid=state]").first).to_have_text("Under filing review")
    shot(agency, "2-submitted-for-filing")

    # the supervisor accepts the filing from the queue
    supervisor = open_page()
    sign_in(supervisor, world.supervisor)
    supervisor.click("[data-testid=nav-filings]")
    supervisor.click(f"text={TITLE}")
    expect(supervisor.locator("[data-testid=lots]")).to_contain_text("11,500,000.00")
    shot(supervisor, "3-filing-review")
    supervisor.click("[data-testid=accept]")
    expect(supervisor.locator("main")).to_contain_text("Nothing awaits filing.")

    # the agency publishes
    agency.reload()
    agency.click("[data-testid=publish]")
    expect(agency.locator("[data-testid=state]").first).to_have_text("Published")

    # a visitor finds it in the public list and sees the countdown run
    visitor = open_page()
    visitor.goto("/")
    expect(visitor.locator("[data-testid=tender-list]")).to_contain_text(TITLE)
    visitor.click(f"text={TITLE}")
    countdown = visitor.locator("[data-testid=countdown]")
    # in words: days, hours and minutes
    expect(countdown).to_have_text(re.compile(r"^21 days \d+ hours? \d+ minutes?$"))
    first = int(countdown.get_attribute("data-seconds-left"))
    visitor.wait_for_function(
        "s => Number(document.getElementById('countdown').dataset.secondsLeft) < s", arg=first
    )
    shot(visitor, "4-public-countdown")

    # and switches to Chinese
    visitor.click("button[data-lang=zh]")
    expect(visitor.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(visitor.locator("main")).to_contain_text("剩余时间")
    expect(visitor.locator("main")).to_contain_text("投标截止时间")
    expect(countdown).to_have_text(re.compile(r"^21 天 \d+ 小时 \d+ 分$"))
    shot(visitor, "5-public-countdown-zh")
