"""The supervisors' live console in real headless Chromium: a vote the leader closes early shows
on the console as a red alert within 2 s (with the badge and the sound), and the supervisor
acknowledges it and resolves it from the console, where a note is required. Screenshots go to
test-artifacts/supervision/."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fixtures.browser import CHROMIUM, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "supervision"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _alerts(raised) -> list[dict]:
    """The vote.incomplete alerts as they are now: the served page changed them in another
    thread, so this thread's read snapshot is ended first."""
    from bidhall.db import db

    db.session.remove()
    return raised("vote.incomplete")


def test_a_vote_closed_early_shows_as_a_red_alert_that_the_supervisor_resolves(
    committee, open_page, raised
):
    from playwright.sync_api import expect

    committee.elect(1)
    page = open_page()
    sign_in(page, committee.supervisor)
    page.goto("/supervision")
    console = page.get_by_test_id("supervision-console")
    expect(console).to_have_attribute("data-joined", "yes")
    expect(
        page.locator(f"[data-testid=console-session][data-session-id='{committee.id}']")
    ).to_be_visible()
    page.get_by_test_id("sound").click()  # the browser plays sound once the page was clicked
    expect(console).to_have_attribute("data-sound", "on")
    red_before = int(page.get_by_test_id("count-red").inner_text())

    leader = committee.member(1)
    number = committee.run(
        leader, "open_vote", matter="other", question="Visit the site?", options=["yes", "no"]
    )["vote"]
    committee.run(committee.member(2), "cast", vote=number, choice="yes")
    started = time.monotonic()
    committee.run(leader, "close_vote", vote=number)  # the event that raises the alert
    card = page.locator("[data-testid=console-alert][data-severity=red]")
    expect(card).to_be_visible(timeout=2000)
    assert time.monotonic() - started < 2.0
    expect(page.get_by_test_id("new-alerts")).to_have_attribute("data-count", "1")
    expect(console).to_have_attribute("data-beeps", "1")
    expect(page.get_by_test_id("count-red")).to_have_text(str(red_before + 1))
    expect(card.get_by_test_id("alert-summary")).to_contain_text("1 of 5")
    [alert] = _alerts(raised)
    expect(card.get_by_test_id("alert-link")).to_have_attribute(
        "href", f"/supervision/alerts/{alert['id']}"
    )
    shot(page, "1-red-alert")

    card.get_by_test_id("acknowledge").click()
    expect(card.get_by_test_id("alert-state")).to_have_attribute("data-state", "acknowledged")
    card.get_by_test_id("resolve-details").locator("summary").click()
    form = card.get_by_test_id("resolve-form")
    form.get_by_test_id("resolution").select_option("confirmed")
    form.get_by_test_id("resolve-note").fill("   ")  # not empty for the browser; no note
    form.get_by_test_id("resolve").click()
    expect(form.get_by_test_id("refusal")).to_have_text("Write what was found and done first.")
    assert _alerts(raised)[0]["state"] == "acknowledged"
    shot(page, "2-note-required")

    note = "The leader closed vote 2 after one ballot; the committee was told to revote."
    form.get_by_test_id("resolve-note").fill(note)
    form.get_by_test_id("resolve").click()
    expect(card).to_have_count(0)
    expect(page.get_by_test_id("count-red")).to_have_text(str(red_before))
    [resolved] = _alerts(raised)
    assert resolved["state"] == "resolved" and resolved["resolution"] == "confirmed"
    assert resolved["note"] == note
    shot(page, "3-resolved")
