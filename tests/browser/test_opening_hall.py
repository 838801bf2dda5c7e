"""A whole online opening (不见面开标) in real headless Chromium: the agency and three bidders, each
in its own browser context, sign in to the hall, watch the countdown to the deadline (the live
server's fake clock is moved and the tick run), each bidder decrypts its bid in its own browser
with its key file (read locally, never sent), everyone sees the reading out, a bidder objects and
the agency answers, the agency closes the hall, and the published record downloaded from the page
verifies. Screenshots of the hall go to test-artifacts/opening/."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bidhall import canonical
from bidhall.crypto import keys
from tests.fixtures.browser import CHROMIUM, sign_in
from trading.opening import record as opening

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor" / "socket.io.min.js"
SHOTS = ROOT / "test-artifacts" / "opening"
PASSPHRASE = "opening-hall passphrase 42"


@pytest.fixture
def app_overrides():
    # the production fan-out: bursts (the tick's messages, a fast read-out) arrive as batches
    return {"HALL_COALESCE_MS": 50}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def enter_hall(open_page, user, hall, sent: dict):
    """A signed-in browser of its own, in the hall, joined; what it sends is kept in ``sent``."""
    from playwright.sync_api import expect

    page = open_page()
    sent[page] = watch_frames(page)
    sign_in(page, user)
    page.goto(f"/tenders/{hall.id}")
    page.get_by_test_id("hall-link").click()
    expect(page.get_by_test_id("opening-hall")).to_have_attribute("data-joined", "yes")
    return page


def watch_frames(page) -> list[str]:
    """Everything the page sends: HTTP request bodies and WebSocket frames."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.post_data or ""))
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framesent",
            lambda payload: sent.append(payload if isinstance(payload, str) else repr(payload)),
        ),
    )
    return sent


def phase_is(pages, phase: str) -> None:
    from playwright.sync_api import expect

    for page in pages:
        expect(page.get_by_test_id("opening-hall")).to_have_attribute("data-phase", phase)


def test_a_whole_opening_with_three_bidders_in_their_own_browsers(
    open_page, make_hall, clock, tmp_path
):
    from playwright.sync_api import expect

    assert VENDOR.exists(), "the Socket.IO client is missing: ./run.sh installs it"
    hall = make_hall(3)
    names = [seat.user.organisation.name for seat in hall.bidders]
    key_files = []
    for number, seat in enumerate(hall.bidders, start=1):
        path = tmp_path / f"bidder-{number}.bhkey"
        path.write_bytes(keys.dump_bundle(seat.bundle, PASSPHRASE, iterations=1000))
        key_files.append(path)

    # --- before the deadline: sign-in and the countdown from the server's clock -----------------
    clock.set(hall.deadline - timedelta(minutes=2))
    sent: dict = {}
    agency = enter_hall(open_page, hall.agency, hall, sent)
    bidders = [enter_hall(open_page, seat.user, hall, sent) for seat in hall.bidders]
    everyone = [agency, *bidders]
    for page in everyone:
        page.get_by_test_id("sign-in").click()
        expect(page.get_by_test_id("signed-in")).to_be_visible()
    # before the opening the bidders present are neither counted nor named, to anyone (Law
    # Art 22): a bidder's sign-in is not even announced
    for page in everyone:
        expect(page.get_by_test_id("presence-staff")).to_have_text("1")
        expect(page.get_by_test_id("presence-bidders")).to_have_text("—")
        left = int(page.get_by_test_id("hall-countdown").get_attribute("data-seconds-left"))
        assert 0 < left <= 120
        assert not any(name in page.locator("main").inner_text() for name in names)
    expect(agency.get_by_test_id("hall-countdown-box")).to_contain_text("Opening in")
    expect(agency.locator("[data-testid=presence-names] li[data-role=bidder]")).to_have_count(0)
    shot(agency, "1-signed-in-agency")
    shot(bidders[0], "1-signed-in-bidder")

    # --- the deadline: the tick locks the bids; each bidder decrypts in its own browser ----------
    hall.reach_deadline()
    phase_is(everyone, "decrypting")
    expect(agency.get_by_test_id("hall-bid")).to_have_count(3)
    # from the opening the bidders present are counted and numbered; named from the reading out
    for page in everyone:
        expect(page.get_by_test_id("presence-bidders")).to_have_text("3")
    expect(agency.get_by_test_id("presence-names")).to_contain_text("bidder No. 3")
    assert not any(name in agency.locator("main").inner_text() for name in names)
    first = bidders[0]
    expect(first.get_by_test_id("hall-bids")).to_contain_text(names[0])  # its own bid
    assert names[1] not in first.get_by_test_id("hall-bids").inner_text()
    expect(first.get_by_test_id("hall-countdown-box")).to_contain_text("Decryption window")

    first.get_by_test_id("decrypt-key").set_input_files(key_files[0])
    first.get_by_test_id("decrypt-passphrase").fill("not the passphrase")
    first.get_by_test_id("decrypt").click()
    expect(first.get_by_test_id("hall-error")).to_contain_text("passphrase does not open")
    shot(first, "2-decryption-window")

    for page, key_file in zip(bidders, key_files, strict=True):
        page.get_by_test_id("decrypt-key").set_input_files(key_file)
        page.get_by_test_id("decrypt-passphrase").fill(PASSPHRASE)
        page.get_by_test_id("decrypt").click()
        expect(page.get_by_test_id("decrypt-status")).to_contain_text("decrypted and accepted")
    phase_is(everyone, "reading")

    # the key file and its passphrase never left the browsers; the data keys did
    for page, key_file, seat in zip(bidders, key_files, hall.bidders, strict=True):
        ciphertext = json.loads(key_file.read_text())["ciphertext"]
        everything = "\n".join(sent[page])
        assert PASSPHRASE not in everything and ciphertext[:40] not in everything
        assert hall.keys(seat)["summary_key"] in everything

    # --- the reading out, seen by all three ------------------------------------------------------
    read_next = agency.get_by_test_id("read-next")
    dropped = bidders[2]
    for number in (1, 2, 3):
        expect(read_next).to_contain_text(f"No. {number} of 3")
        if number == 2:  # the third bidder's connection drops mid read-out
            dropped.evaluate("document.getElementById('opening-hall').hallSocket.disconnect()")
            expect(dropped.get_by_test_id("hall-connection")).to_have_attribute(
                "data-state", "disconnected"
            )
        read_next.click()
        expect(agency.get_by_test_id("readout-row")).to_have_count(number)
        if number == 2:  # ... and comes back: it rejoins with its last seq and misses nothing
            expect(dropped.get_by_test_id("readout-row")).to_have_count(1)
            dropped.evaluate("document.getElementById('opening-hall').hallSocket.connect()")
            expect(dropped.get_by_test_id("readout-row")).to_have_count(2)
    phase_is(everyone, "read")
    for page in bidders:
        table = page.get_by_test_id("readout-table")
        expect(page.get_by_test_id("readout-row")).to_have_count(3)
        for name in names:
            expect(table).to_contain_text(name)
        # prices as on a bid form: yuan with separators, and in capital numerals (大写)
        expect(table.get_by_test_id("readout-price")).to_have_text(
            ["10,350,000.00 yuan", "9,980,000.50 yuan", "10,120,000.00 yuan"]
        )
        expect(table.get_by_test_id("readout-price-capital")).to_have_text(
            ["壹仟零叁拾伍万元整", "玖佰玖拾捌万元伍角", "壹仟零壹拾贰万元整"]
        )
        expect(page.get_by_test_id("hall-bid-outcome")).to_have_text(["Decrypted"] * 3)
    shot(bidders[1], "3-read-out")

    # --- an objection and its answer -------------------------------------------------------------
    objector = bidders[1]
    objector.get_by_test_id("objection-text").fill("Bid No. 2's duration was read as 600 days?")
    objector.get_by_test_id("object").click()
    expect(objector.get_by_test_id("objection-status")).to_contain_text("recorded")
    expect(agency.get_by_test_id("hall-objection")).to_have_count(1)
    expect(agency.get_by_test_id("hall-objection")).to_contain_text(names[1])
    agency.get_by_test_id("answer-text").fill("Confirmed: 600 days, as sealed.")
    agency.get_by_test_id("answer").click()
    for page in bidders:
        expect(page.get_by_test_id("hall-objection-answer")).to_contain_text("600 days, as sealed")

    # --- the close and the published record ------------------------------------------------------
    agency.get_by_test_id("close").click()
    phase_is(everyone, "closed")
    for page in everyone:
        expect(page.get_by_test_id("record-panel")).to_be_visible()
    expect(agency.get_by_test_id("verify-command")).to_contain_text("bidhall opening verify")
    with bidders[2].expect_download() as download:
        bidders[2].get_by_test_id("record-download").click()
    record = json.loads(Path(download.value.path()).read_text())
    finding = opening.verify_record(record)
    assert finding.ok, finding.problems
    assert finding.opened == 3
    assert record["record"]["objections"][0]["answer"] == "Confirmed: 600 days, as sealed."
    # the hash the hall announced is the downloaded record's
    published = hashlib.sha256(canonical.canonical(record)).hexdigest()
    for page in everyone:
        expect(page.get_by_test_id("record-sha256")).to_have_text(published)

    # every browser saw the same gap-free log
    logs = [
        page.get_by_test_id("hall-message").evaluate_all("els => els.map(e => +e.dataset.seq)")
        for page in everyone
    ]
    assert logs[0] == list(range(1, len(logs[0]) + 1))
    assert all(log == logs[0] for log in logs)
    shot(agency, "4-closed-agency")
    shot(bidders[0], "4-closed-bidder")


def test_a_custodian_hands_in_its_shares_for_an_excused_bid_from_its_browser(
    open_page, make_hall, world, tmp_path
):
    """The custodian fallback in the page: two bidders decrypted, the agency excuses the third's
    failure in the hall, the supervisor (an opening custodian) unwraps its shares with its key
    file in its own browser, and with the platform's share the keys are reconstructed."""
    from playwright.sync_api import expect

    hall = make_hall(3)
    key_file = tmp_path / "supervisor.bhkey"
    key_file.write_bytes(
        keys.dump_bundle(world.bundles[hall.supervisor_id], PASSPHRASE, iterations=1000)
    )
    hall.reach_deadline()
    for seat in hall.bidders[:2]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    sent: dict = {}
    agency = enter_hall(open_page, hall.agency, hall, sent)
    supervisor = enter_hall(open_page, hall.supervisor, hall, sent)
    expect(supervisor.get_by_test_id("share-panel")).to_be_hidden()

    agency.get_by_test_id("excuse-bid").select_option(str(hall.bidders[2].bid_id))
    agency.get_by_test_id("excuse-reason").fill("Platform outage at 10:02, confirmed by the log")
    agency.get_by_test_id("excuse").click()
    expect(supervisor.get_by_test_id("share-panel")).to_be_visible()
    expect(supervisor.get_by_test_id("hall-log")).to_contain_text("shares are in (1 of 2)")

    supervisor.get_by_test_id("share-key").set_input_files(key_file)
    supervisor.get_by_test_id("share-passphrase").fill(PASSPHRASE)
    supervisor.get_by_test_id("share").click()
    expect(supervisor.get_by_test_id("share-status")).to_contain_text("shares of bid No. 3 are in")
    phase_is([agency, supervisor], "reading")
    expect(agency.get_by_test_id("hall-bid-outcome")).to_have_text(
        ["Decrypted", "Decrypted", "recovered from custodians’ shares"]
    )
    assert PASSPHRASE not in "\n".join(sent[supervisor])
    shot(supervisor, "5-custodian-recovered")


def test_a_bidder_whose_network_refuses_the_live_connection_decrypts_and_hears_the_read_out(
    open_page, make_hall, tmp_path
):
    """No WebSocket, no long-polling through the bidder's proxy: the hall page says so, reads the
    state and messages over HTTP every few seconds and sends its commands there."""
    from playwright.sync_api import expect

    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders[1:]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    seat = hall.bidders[0]
    key_file = tmp_path / "bidder.bhkey"
    key_file.write_bytes(keys.dump_bundle(seat.bundle, PASSPHRASE, iterations=1000))
    page = open_page()
    page.route("**/socket.io/**", lambda route: route.abort())  # long-polling
    page.route_web_socket("**/socket.io/**", lambda socket: socket.close())  # WebSocket
    sign_in(page, seat.user)
    page.goto(f"/tenders/{hall.id}/opening")
    connection = page.get_by_test_id("hall-connection")
    expect(connection).to_have_attribute("data-state", "polling", timeout=10_000)
    expect(connection).to_contain_text("every few seconds")
    phase_is([page], "decrypting")

    page.get_by_test_id("decrypt-key").set_input_files(key_file)
    page.get_by_test_id("decrypt-passphrase").fill(PASSPHRASE)
    page.get_by_test_id("decrypt").click()
    expect(page.get_by_test_id("decrypt-status")).to_contain_text("decrypted and accepted")
    phase_is([page], "reading")  # its decryption was the last: the reading out may begin

    hall.run(hall.agency, "read_next")
    expect(page.get_by_test_id("readout-row")).to_have_count(1, timeout=10_000)
    expect(page.get_by_test_id("readout-price").first).to_have_text("10,350,000.00 yuan")
    logged = page.get_by_test_id("hall-message").evaluate_all("els => els.map(e => +e.dataset.seq)")
    assert logged == list(range(1, len(logged) + 1))  # gap-free, in order, over HTTP too
    shot(page, "6-polling-bidder")


def test_a_summary_off_the_tenders_form_is_flagged_in_the_read_out(
    open_page, make_hall, world, enroll
):
    from playwright.sync_api import expect

    from tests.fixtures.opening import Seat
    from tests.fixtures.pki import SUMMARY, submit_bid

    hall = make_hall(2)
    user, off_form = world.bidder(), dict(SUMMARY, price="about ten million")
    bundle = enroll(user)
    bid = submit_bid(user, bundle, hall.id, off_form)
    hall.bidders.append(Seat(user.id, bundle, bid.id, bid.storage_key, off_form))
    hall.read_out()
    page = open_page()
    sign_in(page, hall.agency)
    page.goto(f"/tenders/{hall.id}/opening")
    expect(page.get_by_test_id("readout-row")).to_have_count(3, timeout=10_000)
    expect(page.get_by_test_id("readout-off-form")).to_have_count(1)
    expect(page.get_by_test_id("read-out-problems")).to_contain_text("price")
    shot(page, "7-summary-off-the-form")
