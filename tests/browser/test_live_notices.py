"""A visitor's open tender page hears an amendment live: the countdown moves with the deadline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.fixtures.browser import CHROMIUM, save_screenshot
from trading.tenders import notices as services
from trading.tenders import queries

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "socket.io.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


def test_an_open_page_moves_its_countdown_when_an_amendment_moves_the_deadline(
    open_page, make_tender, world, clock
):
    from playwright.sync_api import expect

    assert VENDOR.exists(), (
        "the Socket.IO client is missing: ./run.sh installs it into static/vendor"
    )
    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(days=5))
    page = open_page()
    page.goto(f"/tenders/{tender.id}")
    expect(page.locator("#live-update")).to_have_attribute("data-watching", "yes")
    before = int(page.locator("#countdown").get_attribute("data-seconds-left"))
    assert before <= 5 * 86400

    services.issue_notice(
        world.agency, tender.id, "amendment", "BoQ item 3.2", "Corrected quantity.", True
    )

    banner = page.get_by_test_id("live-update")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("moved the bid deadline")
    moved = queries.get_tender(tender.id).bid_deadline
    expect(page.locator("#countdown")).to_have_attribute("data-deadline", moved.isoformat())
    after = int(page.locator("#countdown").get_attribute("data-seconds-left"))
    assert after > 14 * 86400
    save_screenshot(page, "live-notice-deadline-moved")


def test_the_countdown_counts_the_last_day_to_the_second_in_words(open_page, make_tender, clock):
    import re

    from playwright.sync_api import expect

    tender = make_tender("published")
    clock.set(tender.bid_deadline - timedelta(hours=1, minutes=5))
    page = open_page()
    page.goto(f"/tenders/{tender.id}")
    expect(page.locator("#countdown")).to_have_text(
        re.compile(r"^1 hour \d+ minutes? \d+ seconds?$")
    )
