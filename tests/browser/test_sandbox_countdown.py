"""The training sandbox in the browser (docs/sandbox.md): the banner, and the bid deadline's
countdown running at the sandbox's speed."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture
def app_overrides(sandbox_overrides) -> dict:
    return sandbox_overrides


def test_the_countdown_runs_1440_times_as_fast_in_the_sandbox(open_page, sandbox_tender):
    from playwright.sync_api import expect

    page = open_page()
    page.goto(f"/tenders/{sandbox_tender.id}")
    expect(page.locator("[data-testid=sandbox-banner]")).to_contain_text("1440× faster")
    countdown = page.locator("[data-testid=countdown]")
    expect(countdown).to_have_text(re.compile(r"^\d+ days? "))
    first = int(countdown.get_attribute("data-seconds-left"))
    # a real second or two is a virtual half hour or more
    page.wait_for_function(
        "s => Number(document.getElementById('countdown').dataset.secondsLeft) < s - 1800",
        arg=first,
    )
