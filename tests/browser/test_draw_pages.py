"""The draw pages in a real headless Chromium: the agency files a draw request and sees the
commitment and the counts without names, the supervisor's monitor shows the same commitment and
then the committee with names, and a drawn expert accepts its invitation. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in
from tests.fixtures.experts import REGION

NAMES = ("Zhou Mingxuan", "Qian Ruolan", "Sun Haoyu", "Li Jiawen", "Wu Zhiqiang", "Zheng Yutong")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


def shot(page, name: str) -> None:
    save_screenshot(page, f"draw-pages-{name}")


@pytest.fixture
def pool(make_user, make_expert):
    """Six experts of one pool, each with a user who can sign in: {expert id: user}."""
    users = {}
    for name in NAMES:
        user = make_user("expert")
        users[make_expert(user=user, name=name).id] = user
    return users


def test_a_draw_goes_from_the_agencys_request_to_an_experts_acceptance(
    open_page, world, make_tender, pool
):
    from playwright.sync_api import expect

    from evaluation.draws import services

    tender = make_tender("published")

    # the agency files the request through the form
    agency = open_page()
    sign_in(agency, world.agency)
    agency.click("[data-testid=nav-draws]")
    agency.click(f"text={tender.title}")
    agency.fill("input[name=draw-specialties]", "A01")
    agency.fill("input[name=draw-members]", "5")
    agency.fill("input[name=draw-scheduled_at]", "2026-03-23T09:00")
    agency.select_option("select[name=draw-regions-0-region]", REGION)
    agency.fill("input[name=draw-regions-0-quota]", "5")
    agency.fill("input[name=draw-regions-0-reserves]", "1")
    shot(agency, "1-request-form")
    agency.click("[data-testid=request-draw]")

    # and sees the commitment and the counts, no names
    commitment = agency.locator("[data-testid=seed-sha256]")
    expect(commitment).to_be_visible()
    seed_sha256 = commitment.inner_text()
    assert len(seed_sha256) == 64
    expect(agency.locator("[data-region='310000'] [data-count=pending]")).to_have_text("5")
    expect(agency.get_by_test_id("names-hidden")).to_be_visible()
    assert [name for name in NAMES if name in agency.content()] == []
    shot(agency, "2-agency-status")

    # the supervisor's monitor shows the same commitment, then the committee with names
    supervisor = open_page()
    sign_in(supervisor, world.supervisor)
    supervisor.click("[data-testid=nav-draw-monitor]")
    supervisor.click(f"[data-testid=monitor-list] >> text={tender.title}")
    expect(supervisor.get_by_test_id("seed-sha256")).to_have_text(seed_sha256)
    expect(supervisor.get_by_test_id("expert-name")).to_have_count(6)
    shot(supervisor, "3-monitor")

    # a drawn member accepts in the browser
    draw = services.get_draw(int(supervisor.url.rsplit("/", 1)[1]))
    member = next(p for p in draw.places if p.status == "invited")
    expert = open_page()
    sign_in(expert, pool[member.expert_id])
    expert.click("[data-testid=nav-invitations]")
    invitation = expert.get_by_test_id("invitation")
    expect(invitation).to_contain_text(tender.title)
    shot(expert, "4-invitation")
    expert.click("[data-testid=accept]")
    expect(invitation.get_by_test_id("status")).to_contain_text("Accepted")

    # the monitor shows the acceptance on reload
    supervisor.reload()
    expect(supervisor.locator("[data-region='310000'] [data-count=accepted]")).to_have_text("1")
    shot(supervisor, "5-monitor-accepted")
