"""History playback and the alert charts in real headless Chromium: a supervisor replays a
finished evaluation (played through the real commands, the clock moving between its steps) at
32× and sees its votes in order with each member's choice, the alert raised where the leader
closed a vote early and each member's scores as entered; scrubbing to the start and to the end
shows the first and the last event. The charts page draws its three ECharts charts (served from
static/vendor/) within the Content-Security-Policy. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

ECHARTS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "echarts.min.js"


@pytest.fixture
def finished(committee, clock):
    """The whole session, minutes apart: the leader's election, a vote every member casts, a
    vote the leader closes after two ballots (vote.incomplete), the review, the scores, the
    report signed by every member. A fixture set up before the browser: sealing the report
    runs an event loop of its own, which Playwright's would refuse."""
    c, leader = committee, committee.member(1)
    clock.advance(minutes=2)
    c.elect(1)
    for question, voters in (("Visit the site?", c.seats), ("Break now?", (2, 3))):
        clock.advance(minutes=4)
        number = c.run(
            leader, "open_vote", matter="other", question=question, options=["yes", "no"]
        )["vote"]
        for seat in voters:
            clock.advance(seconds=20)
            c.run(c.member(seat), "cast", vote=number, choice="yes" if seat != 3 else "no")
        if len(voters) < len(c.seats):
            c.run(leader, "close_vote", vote=number)
    clock.advance(minutes=25)
    c.pass_all()
    c.run(leader, "close_review")
    clock.advance(minutes=30)
    c.submit_all()
    clock.advance(minutes=5)
    c.run(leader, "finalize")
    for seat in c.seats:
        clock.advance(minutes=1)
        c.sign(seat)
    assert c.state(c.supervisor)["state"] == "finished"
    return c


def test_playback_of_a_finished_session_shows_its_votes_in_order(finished, open_page, api_for):
    from playwright.sync_api import expect

    c = finished
    timeline = api_for(c.supervisor).get(f"/api/supervision/timeline/evaluation/{c.id}")
    events = timeline.get_json()["events"]

    page = open_page()
    sign_in(page, c.supervisor)
    page.goto("/supervision/playback")
    row = page.locator(f"[data-testid=playback][data-kind=evaluation][data-id='{c.id}']")
    row.get_by_test_id("replay").click()
    player = page.get_by_test_id("playback")
    expect(player).to_have_attribute("data-state", "paused")
    expect(page.locator("[data-testid=event][data-current=yes]")).to_have_attribute(
        "data-seq", str(events[0]["seq"])
    )

    page.get_by_test_id("speed").select_option("32")
    page.get_by_test_id("play").click()
    expect(player).to_have_attribute("data-state", "playing")
    expect(player).to_have_attribute("data-state", "ended", timeout=60000)
    save_screenshot(page, "playback-ended")

    votes = page.locator("[data-testid=vote]")
    expect(votes).to_have_count(3)
    assert [v.get_attribute("data-vote") for v in votes.all()] == ["1", "2", "3"]
    second = page.locator("[data-testid=vote][data-vote='2']")
    choices = second.locator("[data-testid=vote-choice]")
    assert [x.get_attribute("data-seat") for x in choices.all()] == ["1", "2", "3", "4", "5"]
    assert [x.get_attribute("data-choice") for x in choices.all()] == [
        "yes",
        "yes",
        "no",
        "yes",
        "yes",
    ]
    expect(second.get_by_test_id("vote-outcome")).to_contain_text("Result: yes")
    third = page.locator("[data-testid=vote][data-vote='3']")
    expect(third.get_by_test_id("vote-outcome")).to_contain_text("closed early by the leader")
    alert = page.locator("[data-testid=alerts] [data-testid=alert]").filter(
        has_text="Vote closed before every present member voted"
    )
    expect(alert).to_have_attribute("data-severity", "red")
    expect(page.locator("[data-testid=score-sheet]")).to_have_count(5)

    scrubber = page.get_by_test_id("scrubber")
    scrubber.fill("0")
    current = page.locator("[data-testid=event][data-current=yes]")
    expect(current).to_have_attribute("data-seq", str(events[0]["seq"]))
    expect(page.locator("[data-testid=vote]")).to_have_count(0)
    scrubber.fill(scrubber.get_attribute("max"))
    expect(current).to_have_attribute("data-seq", str(events[-1]["seq"]))
    expect(current).to_contain_text(events[-1]["label"])
    expect(page.get_by_test_id("current-label")).to_have_text(events[-1]["label"])
    save_screenshot(page, "playback-scrubbed-to-the-end")


def test_the_charts_page_draws_its_charts(open_page, make_hall, api_for):
    from playwright.sync_api import expect

    assert ECHARTS.exists(), "ECharts is missing: ./run.sh installs it into static/vendor"
    hall = make_hall()
    seat = hall.bidders[0]
    early = api_for(seat.user).post(
        f"/api/tenders/{hall.id}/opening/decrypt",
        json={"cmd_id": "early-1", "bid_id": seat.bid_id, **hall.keys(seat)},
    )
    assert early.status_code == 403  # before the opening time: a red alert
    page = open_page()
    sign_in(page, hall.supervisor)
    page.goto("/supervision/trends")
    expect(page.get_by_test_id("trends")).to_have_attribute("data-drawn", "yes")
    for chart in ("chart-days", "chart-detectors", "chart-bands"):
        expect(page.get_by_test_id(chart).locator("canvas")).to_have_count(1)
    expect(
        page.locator("[data-testid=detector][data-detector='crypto.early_access']")
    ).to_be_visible()
    save_screenshot(page, "trends")
