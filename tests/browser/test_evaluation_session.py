"""A whole remote evaluation (远程异地评标) in real headless Chromium: the five members of a
committee seated over two venues, each in its own browser context signed in through the login
page, elect their leader, review the bids (one vetoed by the committee's vote), ask a bidder a
clarification that the bidder answers on its own page, score alone (an outlying score explained
in writing), see the server's ranking, and sign the report the leader finalized, each with its
own key file opened in its browser; the tenderer downloads the sealed PDF, which verifies. A
supervisor watches by name and suspends; a member whose browser cannot reach Socket.IO follows by
polling. Screenshots of each step go to test-artifacts/evaluation/."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bidhall.crypto import keys
from tests.fixtures.browser import CHROMIUM, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor" / "socket.io.min.js"
SHOTS = ROOT / "test-artifacts" / "evaluation"
PASSPHRASE = "evaluation passphrase 42"


@pytest.fixture
def app_overrides():
    # the production fan-out: bursts (a vote's close, the results) arrive as batches
    return {"EVALUATION_COALESCE_MS": 50}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def enter_session(open_page, user, session_id: int, sent: list | None = None):
    """A signed-in browser of its own on the session's page, joined over Socket.IO."""
    from playwright.sync_api import expect

    page = open_page()
    if sent is not None:
        page.on("request", lambda request: sent.append(request.post_data or ""))
        page.on(
            "websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload)))
        )
    sign_in(page, user)
    page.goto(f"/evaluation/{session_id}")
    expect(page.get_by_test_id("evaluation-session")).to_have_attribute("data-joined", "yes")
    return page


def at_stage(pages, stage: str) -> None:
    from playwright.sync_api import expect

    for page in pages:
        expect(page.get_by_test_id("session-stage")).to_have_attribute("data-stage", stage)


def cell(page, bid_id: int, requirement: str):
    return page.locator(
        f"[data-testid=review-cell][data-bid-id='{bid_id}'][data-requirement='{requirement}']"
    )


def cast(page, vote: int, choice: str) -> None:
    """Vote, and see the vote take it (the last ballot closes the vote)."""
    from playwright.sync_api import expect

    page.locator(f"[data-testid=cast][data-choice='{choice}']").click()
    closed = page.locator(f"[data-testid=past-vote][data-vote='{vote}']")
    expect(page.get_by_test_id("my-choice").or_(closed)).to_be_visible()


def score(page, values: dict) -> None:
    """Fill the member's sheet: {bid id: {criterion: value}}."""
    for bid_id, row in values.items():
        for criterion, value in row.items():
            page.locator(
                f"[data-testid=score-input][data-bid-id='{bid_id}'][data-criterion='{criterion}']"
            ).fill(str(value))


def bidder_of(committee, bid_id: int):
    return next(s.user for s in committee.seated.hall.bidders if s.bid_id == bid_id)


def test_a_whole_evaluation_across_two_venues_in_the_members_browsers(
    open_page, committee, world, tmp_path
):
    from playwright.sync_api import expect

    from bidhall.crypto import services as crypto
    from evaluation.reports.verify import verify_pdf

    assert VENDOR.exists(), "the Socket.IO client is missing: ./run.sh installs it"
    c = committee
    first, second, third = c.bids
    key_files = {}
    for seat in c.seats:
        path = tmp_path / f"member-{seat}.bhkey"
        path.write_bytes(keys.dump_bundle(c.keys[seat], PASSPHRASE, iterations=1000))
        key_files[seat] = path
    names = [m["name"] for m in c.state(c.supervisor)["members"]]  # as supervisors see them

    # --- the first view: five members by seat over two venues, nobody named --------------------
    sent: list[str] = []
    pages = {
        seat: enter_session(open_page, c.member(seat), c.id, sent if seat == 1 else None)
        for seat in c.seats
    }
    everyone = list(pages.values())
    leader = pages[1]
    for page in everyone:
        expect(page.get_by_test_id("member")).to_have_count(5)
        members = page.get_by_test_id("members").inner_text()
        assert not any(name in members for name in names)
    venues = leader.get_by_test_id("member").evaluate_all("rows => rows.map(r => r.dataset.venue)")
    assert len(set(venues)) == 2, venues
    expect(leader.get_by_test_id("bid-price")).to_have_text(
        ["10,350,000.00", "9,980,000.50", "10,120,000.00"]
    )
    # the first view is the server's, before any script runs
    html = leader.request.get(f"/evaluation/{c.id}").text()
    assert 'data-stage="election"' in html and "9,980,000.50" in html
    shot(leader, "1-election")

    # --- the leader's election: every member clicks member 1 -----------------------------------
    for page in everyone:
        cast(page, 1, "1")
    at_stage(everyone, "review")
    for page in everyone:
        expect(page.locator("[data-testid=member][data-seat='1']")).to_have_attribute(
            "data-leader", "yes"
        )
    expect(leader.get_by_test_id("leader-panel")).to_be_visible()
    expect(pages[2].get_by_test_id("leader-panel")).to_be_hidden()
    # a refusal is shown next to its control: the review cannot close before every mark
    leader.get_by_test_id("close-review").click()
    expect(leader.locator("[data-control=close-review] [data-testid=refusal]")).to_contain_text(
        "Review marks are still missing"
    )

    # --- the review: member 2 vetoes bid 1's licence; every member passes the rest -------------
    second_member = pages[2]
    cell(second_member, first, "q-licence").get_by_test_id("mark-fail").click()
    second_member.get_by_test_id("mark-reason").fill("The licence shown expired in 2025.")
    second_member.get_by_test_id("mark-veto-reason").select_option("unqualified")
    second_member.get_by_test_id("mark-save").click()
    expect(cell(second_member, first, "q-licence")).to_have_attribute("data-my-mark", "veto")
    expect(cell(leader, first, "q-licence").get_by_test_id("review-tally")).to_contain_text(
        "1 failed"
    )
    for seat, page in pages.items():
        page.get_by_test_id("mark-rest").click()
        expect(page.get_by_test_id("mark-rest-status")).to_have_attribute(
            "data-done", "17" if seat == 2 else "18", timeout=15000
        )
    # a member finds the time insufficient: one of five is not more than a third
    pages[3].get_by_test_id("time-insufficient").check()
    for page in everyone:
        expect(page.get_by_test_id("time-count")).to_have_attribute("data-count", "1")
    shot(second_member, "2-review-marked")

    # the leader puts the veto to the vote while member 4's connection is down; it comes back,
    # joins again with the last seq it saw and misses nothing
    dropped = pages[4]
    dropped.evaluate("document.getElementById('evaluation-session').sessionSocket.disconnect()")
    expect(dropped.get_by_test_id("connection")).to_have_attribute("data-state", "disconnected")
    leader.locator(f"[data-testid=open-veto-vote][data-bid-id='{first}']").click()
    expect(leader.get_by_test_id("vote-panel")).to_have_attribute("data-vote", "2")
    expect(dropped.get_by_test_id("vote-panel")).to_be_hidden()
    dropped.evaluate("document.getElementById('evaluation-session').sessionSocket.connect()")
    for page in everyone:
        expect(page.get_by_test_id("vote-panel")).to_have_attribute("data-vote", "2")
    # three of five vote to veto
    expect(pages[4].get_by_test_id("vote-question")).to_contain_text(
        "does not meet the qualification"
    )
    shot(pages[4], "3-veto-vote")
    for seat, choice in ((1, "pass"), (2, "veto"), (3, "veto"), (4, "veto"), (5, "pass")):
        cast(pages[seat], 2, choice)
    for page in everyone:
        expect(cell(page, first, "q-licence")).to_have_attribute("data-decision", "veto")
        expect(page.locator("[data-testid=past-vote][data-vote='2']")).to_have_attribute(
            "data-winner", "veto"
        )
    expect(
        leader.locator("[data-testid=past-vote][data-vote='2'] [data-testid=vote-choices]")
    ).to_contain_text("member 5: Pass")

    # --- a clarification: asked by the leader, answered by the bidder on its own page ----------
    leader.get_by_test_id("ask-bid").select_option(str(second))
    leader.get_by_test_id("ask-question").fill("Explain the unit price of rebar in item 3.")
    leader.get_by_test_id("ask").click()
    for page in everyone:
        expect(page.get_by_test_id("clarification")).to_have_count(1)
    bidder = open_page()
    sign_in(bidder, bidder_of(c, second))
    bidder.get_by_test_id("nav-clarifications").click()
    question = bidder.get_by_test_id("my-clarification")
    expect(question).to_contain_text("Explain the unit price of rebar in item 3.")
    assert "member 1" not in question.inner_text()  # the bidder never learns who asked
    question.get_by_test_id("send-answer").click()  # nothing written yet: refused, kept open
    expect(bidder.locator("main .alert-danger")).to_contain_text("Write your answer first")
    question = bidder.get_by_test_id("my-clarification")
    question.locator("textarea").fill("Per the city's price bulletin of October.")
    shot(bidder, "4-clarification-bidder")
    question.get_by_test_id("send-answer").click()
    expect(bidder.get_by_test_id("answer")).to_contain_text("price bulletin")
    for page in everyone:
        expect(page.get_by_test_id("clarification-answer")).to_contain_text("price bulletin")
    # the bidder is not let into the session: the same refusal as the API's
    refused = bidder.goto(f"/evaluation/{c.id}")
    assert refused.status == 403
    expect(bidder.locator("main")).to_contain_text("only the committee")
    shot(leader, "5-clarification-answered")

    # --- the review closes: bid 1 is vetoed, bids 2 and 3 are scored ---------------------------
    leader.get_by_test_id("close-review").click()
    at_stage(everyone, "scoring")
    expect(leader.locator(f"[data-testid=bid][data-bid-id='{first}']")).to_have_attribute(
        "data-passed", "false"
    )

    # each member scores alone; member 1 saves a draft first
    plans = {1: 20, 2: 22, 3: 21, 4: 19}
    for seat, plan in plans.items():
        page = pages[seat]
        score(
            page, {bid: {"construction plan": plan, "track record": 8} for bid in (second, third)}
        )
        if seat == 1:
            page.get_by_test_id("save-scores").click()
            expect(page.get_by_test_id("scoring-status")).to_have_attribute("data-state", "draft")
        page.get_by_test_id("submit-scores").click()
        expect(page.get_by_test_id("scoring-status")).to_have_attribute("data-state", "submitted")
    # a member who submitted sees the others' submitted sheets
    expect(pages[1].get_by_test_id("sheet-row")).to_have_count(2 * 4)
    expect(pages[5].get_by_test_id("sheets")).to_be_hidden()
    # member 5's plan score is far from the others' (28 against a mean of 20.50): a reason each
    fifth = pages[5]
    score(fifth, {bid: {"construction plan": 28, "track record": 8} for bid in (second, third)})
    fifth.get_by_test_id("submit-scores").click()
    expect(fifth.get_by_test_id("reason-item")).to_have_count(2)
    expect(fifth.get_by_test_id("reasons-panel")).to_contain_text("20.50")
    shot(fifth, "6-reasons-asked")
    for box in fifth.get_by_test_id("reason-input").all():
        box.fill("The plan's crane schedule removes the critical-path risk.")
    fifth.get_by_test_id("submit-with-reasons").click()
    expect(fifth.get_by_test_id("scoring-status")).to_have_attribute("data-state", "submitted")

    # --- the server's ranking: the lower price ranks first -------------------------------------
    at_stage(everyone, "ranked")
    for page in everyone:
        rows = page.get_by_test_id("result-row")
        expect(rows).to_have_count(2)
        expect(rows.first).to_have_attribute("data-bid-id", str(second))
        expect(rows.first).to_have_attribute("data-rank", "1")
    shot(pages[3], "7-ranked")
    # at a phone's width the ranking and the sheets scroll inside their tables, not the page
    pages[3].set_viewport_size({"width": 390, "height": 900})
    assert pages[3].evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(pages[3], "7-ranked-phone")
    pages[3].set_viewport_size({"width": 1280, "height": 900})

    # member 5 dissents; the leader finalizes the report
    fifth.get_by_test_id("dissent-text").fill("Bid No. 3's plan deserved more.")
    fifth.get_by_test_id("dissent-save").click()
    for page in everyone:
        expect(page.get_by_test_id("dissent")).to_contain_text("deserved more")
    leader.get_by_test_id("finalize").click()
    at_stage(everyone, "report")
    digest = leader.get_by_test_id("report-sha256").inner_text()
    assert len(digest) == 64
    expect(fifth.get_by_test_id("sign-dissent")).to_contain_text("deserved more")

    # --- every member signs with its own key file, opened in its browser -----------------------
    second_member.get_by_test_id("sign-key").set_input_files(key_files[2])
    second_member.get_by_test_id("sign-passphrase").fill("not the passphrase")
    second_member.get_by_test_id("sign").click()
    expect(second_member.locator("[data-control=sign] [data-testid=refusal]")).to_contain_text(
        "passphrase does not open"
    )
    for seat, page in pages.items():
        page.get_by_test_id("sign-key").set_input_files(key_files[seat])
        page.get_by_test_id("sign-passphrase").fill(PASSPHRASE)
        page.get_by_test_id("sign").click()
        expect(page.get_by_test_id("my-signature")).to_be_visible()
        if seat == 3:
            shot(page, "8-signing")
    for page in everyone:
        expect(page.get_by_test_id("session-state")).to_have_attribute("data-state", "finished")
        expect(page.get_by_test_id("report-signed")).to_have_attribute("data-count", "5")
    pdf_sha256 = leader.get_by_test_id("report-pdf-sha256").inner_text()
    shot(leader, "9-sealed")
    # the key file and its passphrase never left the browser; the signature did
    everything = "\n".join(sent)
    ciphertext = json.loads(key_files[1].read_text())["ciphertext"]
    assert PASSPHRASE not in everything and ciphertext[:40] not in everything
    assert "sign_report" in everything

    # --- the tenderer downloads the sealed report, which verifies ------------------------------
    tenderer = open_page()
    sign_in(tenderer, world.tenderer)
    response = tenderer.request.get(f"/api/evaluation/{c.id}/report.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-sha256"] == pdf_sha256
    # the verifier runs its own asyncio loop: not on this thread, where Playwright's runs
    with ThreadPoolExecutor(max_workers=1) as pool:
        finding = pool.submit(verify_pdf, response.body(), crypto.root_pem()).result()
    assert finding.ok, finding.to_json()

    # every browser saw the same gap-free log
    logs = [
        sorted(
            page.get_by_test_id("log-message").evaluate_all("els => els.map(e => +e.dataset.seq)")
        )
        for page in everyone
    ]
    assert logs[0] == list(range(1, len(logs[0]) + 1))
    assert all(log == logs[0] for log in logs)


def test_a_supervisor_sees_the_members_by_name_and_suspends_the_session(open_page, committee):
    from playwright.sync_api import expect

    c = committee
    supervisor = enter_session(open_page, c.supervisor, c.id)
    member = enter_session(open_page, c.member(2), c.id)
    expect(supervisor.get_by_test_id("member-name")).to_have_count(5)
    expect(member.get_by_test_id("member-name")).to_have_count(0)
    names = supervisor.get_by_test_id("member-name").all_inner_texts()
    assert "—" not in names
    assert not any(name in member.get_by_test_id("members").inner_text() for name in names)
    expect(supervisor.get_by_test_id("cast")).to_have_count(0)  # a supervisor does not vote
    expect(supervisor.get_by_test_id("terminate")).to_be_visible()

    supervisor.get_by_test_id("steward-reason").fill("Venue JS-B lost its video link.")
    supervisor.get_by_test_id("suspend").click()
    for page in (supervisor, member):
        expect(page.get_by_test_id("session-state")).to_have_attribute("data-state", "suspended")
        expect(page.get_by_test_id("session-reason")).to_contain_text("lost its video link")
    expect(member.get_by_test_id("cast").first).to_be_disabled()
    shot(member, "10-suspended-member")
    supervisor.set_viewport_size({"width": 390, "height": 900})
    assert (
        supervisor.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    )
    shot(supervisor, "10-suspended-supervisor-phone")

    supervisor.get_by_test_id("resume").click()
    expect(member.get_by_test_id("session-state")).to_have_attribute("data-state", "open")
    cast(member, 1, "2")
    expect(supervisor.get_by_test_id("vote-ballots")).to_contain_text("1 of 5")


def test_a_member_whose_browser_cannot_reach_socketio_follows_and_votes_by_polling(
    open_page, committee
):
    from playwright.sync_api import expect

    c = committee
    page = open_page()
    # neither WebSockets nor Socket.IO's long polling get through (a proxy that refuses both)
    page.route("**/socket.io/**", lambda route: route.abort())
    page.route_web_socket("**/socket.io/**", lambda ws: ws.close())
    sign_in(page, c.member(3))
    page.goto(f"/evaluation/{c.id}")
    connection = page.get_by_test_id("connection")
    expect(connection).to_have_attribute("data-state", "polling", timeout=10000)
    expect(connection).to_contain_text("checks for news")
    for seat in (1, 2, 4, 5):
        c.run(c.member(seat), "cast", vote=1, choice="1")
    expect(page.get_by_test_id("vote-ballots")).to_contain_text("4 of 5", timeout=10000)
    cast(page, 1, "1")  # over HTTP: POST /api/evaluation/<id>/cast
    expect(page.get_by_test_id("session-stage")).to_have_attribute(
        "data-stage", "review", timeout=10000
    )
    expect(page.locator("[data-testid=member][data-seat='1']")).to_have_attribute(
        "data-leader", "yes"
    )
    expect(page.get_by_test_id("log-message")).to_have_count(
        c.state(c.member(3))["seq"], timeout=10000
    )
    shot(page, "11-polling")


# --- the bids' documents, the workstations, the correction, the replacement ----------------------


@pytest.fixture
def bid_folders(monkeypatch, tmp_path):
    """Bids sealed with a real multi-file folder (tests/evaluation/documents/conftest.py): the
    shared fixtures seal an empty one. Asked for before ``committee``, which seals the bids."""
    import itertools

    from tests.evaluation.documents.conftest import bid_files
    from tests.fixtures import pki

    seal = pki.sealed_bytes
    numbers = itertools.count(1)

    def sealed_with_folder(bundle, tender_id, summary=None, documents=None):
        if documents is None:
            documents = tmp_path / f"bid-folder-{next(numbers)}"
            for name, data in bid_files((summary or pki.SUMMARY)["project_manager"]).items():
                (documents / name).parent.mkdir(parents=True, exist_ok=True)
                (documents / name).write_bytes(data)
        return seal(bundle, tender_id, summary, documents)

    monkeypatch.setattr(pki, "sealed_bytes", sealed_with_folder)


def test_a_member_lists_a_bids_documents_and_opens_one_in_a_new_tab(
    bid_folders, open_page, committee
):
    from urllib.parse import quote

    from playwright.sync_api import expect

    c = committee
    first = c.bids[0]
    supervisor = enter_session(open_page, c.supervisor, c.id)
    expect(supervisor.get_by_test_id("bid")).to_have_count(3)
    expect(supervisor.get_by_test_id("bid-documents-toggle")).to_have_count(
        0
    )  # refused: not_member
    page = enter_session(open_page, c.member(2), c.id)
    page.locator(f"[data-testid=bid-documents-toggle][data-bid-id='{first}']").click()
    listing = page.locator(f"[data-testid=bid-documents][data-bid-id='{first}']")
    expect(listing.get_by_test_id("bid-document")).to_have_count(5)
    # the drawing: 2,500,000 bytes / 1,048,576 = 2.38 -> 2.4 MB
    drawing = listing.locator("li", has_text="site-plan.dwg")
    expect(drawing.get_by_test_id("bid-document-size")).to_have_text("(2.4 MB)")
    licence = listing.locator("[data-testid=bid-document][data-name='资质/营业执照.pdf']")
    expect(licence).to_have_attribute("target", "_blank")
    expect(licence).to_have_attribute("rel", "noopener")
    expect(licence).to_have_attribute(
        "href",
        f"/api/evaluation/{c.id}/bids/{first}/documents/{quote('资质')}/{quote('营业执照.pdf')}",
    )
    shot(page, "12-documents")

    with page.expect_popup() as opened:
        licence.click()
    opened.value.wait_for_load_state("commit")
    # the open is an event of the session: the member's own log hears it, and the record has it
    log = page.locator("[data-testid=log-message][data-type='evaluation.document_opened']")
    expect(log).to_have_count(1)
    messages = page.request.get(f"/api/evaluation/{c.id}/messages?after=0").json()["messages"]
    [event] = [m for m in messages if m["type"] == "evaluation.document_opened"]
    assert (event["payload"]["seat"], event["payload"]["bid_id"]) == (2, first)
    assert event["payload"]["file"] == "资质/营业执照.pdf"


def test_a_supervisor_sees_a_silent_workstation_go_offline_without_a_reload(
    open_page, committee, client, make_user, clock
):
    from playwright.sync_api import expect

    from evaluation.presence import jobs
    from evaluation.presence import services as presence

    c = committee
    main = c.seated.main
    _device, secret = presence.issue_device(make_user("admin"), main.id)
    seat = min(w["seat"] for w in c.state(c.supervisor)["workstations"] if w["venue_id"] == main.id)
    workstation = next(w for w in c.state(c.supervisor)["workstations"] if w["seat"] == seat)
    response = client.post(
        "/api/telemetry/heartbeats",
        json={"workstation": workstation["workstation"], "at": clock.now().isoformat()},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 204, response.get_data(as_text=True)

    page = enter_session(open_page, c.supervisor, c.id)
    row = page.locator(f"[data-testid=workstation][data-seat='{seat}']")
    expect(page.get_by_test_id("workstation")).to_have_count(5)
    expect(row).to_have_attribute("data-online", "yes")
    expect(page.locator("[data-testid=workstation][data-online=never]")).to_have_count(4)

    # silent for PRESENCE_OFFLINE_SECONDS: the tick posts the outage; the page follows it
    clock.advance(seconds=presence.offline_window().total_seconds())
    assert len(jobs.tick(clock.now())) == 1
    expect(row).to_have_attribute("data-online", "no")
    expect(row.get_by_test_id("workstation-status")).to_contain_text("offline since")
    shot(page, "13-workstation-offline")


def test_the_leaders_correction_puts_the_corrected_price_to_every_members_vote(
    open_page, committee
):
    from playwright.sync_api import expect

    c = committee
    c.elect(1)
    first = c.bids[0]
    pages = {seat: enter_session(open_page, c.member(seat), c.id) for seat in c.seats}
    leader = pages[1]
    expect(pages[2].get_by_test_id("correct-box")).to_be_hidden()
    leader.get_by_test_id("correct-bid").select_option(str(first))
    leader.get_by_test_id("correct").click()  # no words yet
    expect(leader.locator("[data-control=correct] [data-testid=refusal]")).to_contain_text(
        "price in words"
    )
    # the figures say 10,350,000.00; the words 壹仟零叁拾肆万 = 1034 × 10,000 = 10,340,000.00
    leader.get_by_test_id("correct-words").fill("人民币壹仟零叁拾肆万元整")
    leader.get_by_test_id("correct").click()
    for page in pages.values():
        panel = page.get_by_test_id("vote-panel")
        expect(panel).to_have_attribute("data-matter", "correction")
        expect(panel.get_by_test_id("vote-question")).to_contain_text("to 10,340,000.00")
        expect(panel.locator("[data-testid=cast][data-choice=confirm]")).to_be_enabled()
    shot(pages[3], "14-correction-vote")


def test_a_supervisor_replaces_a_member_and_the_leader_sees_the_seat_vacant(open_page, committee):
    from playwright.sync_api import expect

    c = committee
    c.elect(1)
    supervisor = enter_session(open_page, c.supervisor, c.id)
    leader = enter_session(open_page, c.member(1), c.id)
    expect(leader.get_by_test_id("replace")).to_have_count(0)
    supervisor.locator("[data-testid=replace][data-seat='3']").click()
    expect(supervisor.get_by_test_id("replace-subject")).to_have_text("Replace member 3")
    supervisor.get_by_test_id("replace-confirm").click()  # no reason yet
    expect(supervisor.locator("[data-control=replace] [data-testid=refusal]")).to_contain_text(
        "Write the reason first"
    )
    supervisor.get_by_test_id("replace-reason").fill("Member 3 worked for bidder No. 2 in 2025.")
    supervisor.get_by_test_id("replace-confirm").click()

    seat = leader.locator("[data-testid=member][data-seat='3']")
    expect(seat).to_have_attribute("data-vacant", "yes")
    expect(seat.get_by_test_id("vacant-seat")).to_be_visible()
    expect(supervisor.get_by_test_id("replace-panel")).to_be_hidden()
    shot(leader, "15-seat-vacant")
    # the reserve has not accepted and been checked in yet: seating it is refused, next to it
    supervisor.locator("[data-testid=seat-replacement][data-seat='3']").click()
    expect(supervisor.locator("[data-control='seat-3'] [data-testid=refusal]")).to_be_visible()
