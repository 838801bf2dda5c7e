"""A bid sealed in the browser on the bid page: the summary form made from the tender's schema,
the documents, the key file and the credit commitment become a bidhall-seal/1 envelope in the
page, streamed to the resumable upload. The platform gives its receipt; the stored envelope
passes `bidhall seal verify`; at the opening it opens with `bidhall open-key` and with the hall's
page; its documents extract as they were chosen. Refusals of the form show at their fields and
send nothing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from bidhall import storage
from bidhall.crypto import keys
from bidhall.db import db
from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in
from tests.fixtures.opening import Seat
from tests.fixtures.pki import ensure_holder
from trading.bids import queries as bids
from trading.opening import hall as opening_hall
from trading.tenders.models import Tender

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

PASSPHRASE = "sealed in a browser, 42"
SUMMARY = {
    "price": "10350000.00",
    "duration_days": "540",
    "quality": "qualified",
    "project_manager": "Zhang Wei",
}


@pytest.fixture
def documents(tmp_path) -> dict[str, bytes]:
    """The bid's documents as chosen in the page: a name outside ASCII, one of several pieces."""
    files = {
        "price-schedule.csv": b"item,amount\n3.2,1250\n",
        "技术方案.pdf": b"%PDF-1.7 construction plan\n" * 40_000,  # ~1 MiB: several chunks
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return files


@pytest.fixture
def hall_with_a_browser_bidder(make_hall, world, enroll, guarantee_for, tmp_path):
    """Two bids sealed by the tool, and a third bidder (secured, with its key file) who seals
    in the browser."""
    hall = make_hall(2)
    user = world.bidder()
    bundle = enroll(user)
    guarantee_for(db.session.get(Tender, hall.id), user)
    ensure_holder(user, hall.id)  # only holders of the documents may bid
    key_path = tmp_path / "bidder.bhkey"
    key_path.write_bytes(keys.dump_bundle(bundle, PASSPHRASE, iterations=1000))
    return hall, user, bundle, key_path


def fill_the_seal_form(page, key_path: Path, folder: Path, names, summary=SUMMARY) -> None:
    for name, value in summary.items():
        page.get_by_test_id(f"summary-{name}").fill(value)
    page.get_by_test_id("seal-documents").set_input_files([str(folder / n) for n in names])
    page.get_by_test_id("seal-key").set_input_files(str(key_path))
    page.get_by_test_id("seal-passphrase").fill(PASSPHRASE)
    page.get_by_test_id("seal-commitment").check()


def seal_in_the_page(
    page, tender_id: int, key_path: Path, folder: Path, names, summary=SUMMARY
) -> None:
    from playwright.sync_api import expect

    page.goto(f"/tenders/{tender_id}/bid")
    expect(page.get_by_test_id("mode-browser")).to_be_checked()
    fill_the_seal_form(page, key_path, folder, names, summary)
    page.get_by_test_id("bid-upload").click()
    expect(page.get_by_test_id("receipt")).to_be_visible(timeout=20_000)


def test_a_bid_sealed_in_the_page_is_received_verified_and_opened_with_the_cli(
    open_page, hall_with_a_browser_bidder, documents, tmp_path, runner, server
):
    from playwright.sync_api import expect

    from tests.trading.opening.test_cli import open_key

    hall, user, bundle, key_path = hall_with_a_browser_bidder
    page = open_page()
    sign_in(page, user)
    page.goto(f"/tenders/{hall.id}/bid")
    page.get_by_test_id("summary-price").fill("10350000.00")
    expect(page.get_by_test_id("price-in-words")).to_contain_text("壹仟零叁拾伍万元整")
    seal_in_the_page(page, hall.id, key_path, tmp_path, documents)
    expect(page.get_by_test_id("receipt-submission")).to_have_text("1")
    expect(page.get_by_test_id("upload-status")).to_have_text("Received: your bid is sealed.")
    expect(page.get_by_test_id("seal-passphrase")).to_have_value("")
    save_screenshot(page, "browser-sealing-receipt")

    [bid] = bids.my_bids(user, hall.id)
    expect(page.get_by_test_id("receipt-manifest")).to_have_text(bid.manifest_sha256)
    copy = tmp_path / "stored.seal"
    with storage.get().open(bid.storage_key) as stream:
        copy.write_bytes(stream.read())
    verified = runner.invoke(args=["seal", "verify", str(copy)])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["manifest_sha256"] == bid.manifest_sha256

    hall.reach_deadline()
    opened = open_key(runner, server, hall, user, _cli_key_file(tmp_path, bundle))
    assert opened.exit_code == 0, opened.output
    state = opening_hall.state(hall.agency, hall.id)
    [mine] = [b for b in state["bids"] if b["bid_id"] == bid.id]
    assert mine["outcome"] == "decrypted"
    assert bids.get_own_bid(user, bid.id).summary == {
        "lot": 1,
        "price": "10350000.00",
        "duration_days": 540,
        "quality": "qualified",
        "project_manager": "Zhang Wei",
    }
    assert _documents_of(bid.storage_key, bundle, tmp_path) == documents


def test_a_bid_sealed_in_the_page_is_decrypted_in_the_halls_page(
    open_page, hall_with_a_browser_bidder, documents, tmp_path
):
    from playwright.sync_api import expect

    hall, user, bundle, key_path = hall_with_a_browser_bidder
    page = open_page()
    sign_in(page, user)
    summary = SUMMARY | {"price": "10234567.89"}
    seal_in_the_page(page, hall.id, key_path, tmp_path, ["price-schedule.csv"], summary)
    [bid] = bids.my_bids(user, hall.id)
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    page.goto(f"/tenders/{hall.id}/opening")
    page.get_by_test_id("decrypt-key").set_input_files(str(key_path))
    page.get_by_test_id("decrypt-passphrase").fill(PASSPHRASE)
    page.get_by_test_id("decrypt").click()
    expect(page.get_by_test_id("decrypt-status")).to_contain_text("decrypted and accepted")
    for _ in range(3):
        hall.run(hall.agency, "read_next")
    expect(page.get_by_test_id("readout-row")).to_have_count(3, timeout=10_000)
    expect(page.get_by_test_id("opening-hall")).to_contain_text("10,234,567.89 yuan")
    assert Seat(user.id, bundle, bid.id, bid.storage_key, {}).bid.opening_outcome == "decrypted"


def test_a_form_refused_at_its_fields_seals_and_sends_nothing(
    open_page, hall_with_a_browser_bidder, documents, tmp_path
):
    from playwright.sync_api import expect

    hall, user, _bundle, key_path = hall_with_a_browser_bidder
    page = open_page()
    sign_in(page, user)
    page.goto(f"/tenders/{hall.id}/bid")
    page.get_by_test_id("summary-price").fill("10,350,000")
    page.get_by_test_id("summary-duration_days").fill("0")
    page.get_by_test_id("bid-upload").click()
    expect(page.locator("#summary-price-error")).to_contain_text("up to two decimals")
    expect(page.locator("#summary-duration_days-error")).to_have_text(
        "Enter a whole number from 1 to 3650."
    )
    expect(page.locator("#summary-quality-error")).to_have_text("This field is required.")
    expect(page.locator("#seal-commitment-error")).to_contain_text("credit commitment")

    for name, value in SUMMARY.items():
        page.get_by_test_id(f"summary-{name}").fill(value)
    page.get_by_test_id("seal-commitment").check()
    page.get_by_test_id("seal-key").set_input_files(str(key_path))
    page.get_by_test_id("seal-passphrase").fill("not the passphrase")
    page.get_by_test_id("bid-upload").click()
    expect(page.locator("#seal-passphrase-error")).to_contain_text("does not open this key file")
    expect(page.get_by_test_id("upload-progress")).to_be_hidden()
    assert bids.my_bids(user, hall.id) == []


def _cli_key_file(tmp_path: Path, bundle) -> Path:
    from tests.fixtures.pki import ITERATIONS
    from tests.fixtures.pki import PASSPHRASE as CLI_PASSPHRASE

    path = tmp_path / "cli.bhkey"
    path.write_bytes(keys.dump_bundle(bundle, CLI_PASSPHRASE, iterations=ITERATIONS))
    return path


def _documents_of(storage_key: str, bundle, tmp_path: Path) -> dict[str, bytes]:
    """The documents section opened by the bidder's own key, as the committee's copy is."""
    from bidhall.envelope import reading, unsealing

    target = Path(tempfile.mkdtemp(dir=tmp_path))
    with storage.get().open(storage_key) as stream:
        envelope = reading.inspect(stream, hash_sections=False)
        key = unsealing.unwrap_for_holder(envelope, "documents", bundle.encryption_key)
        stream.seek(0)
        names = unsealing.extract_documents(stream, envelope, key, target)
    return {name: (target / name).read_bytes() for name in names}


def test_a_lost_answer_while_sealing_resumes_from_the_servers_offset(
    open_page, hall_with_a_browser_bidder, documents, tmp_path
):
    from playwright.sync_api import expect

    hall, user, _bundle, key_path = hall_with_a_browser_bidder
    page = open_page()
    sign_in(page, user)
    page.goto(f"/tenders/{hall.id}/bid")
    # small pieces: the envelope (~1 MiB) goes in many requests while it is sealed
    page.eval_on_selector("#bid-upload-form", "form => { form.dataset.pieceBytes = '65536'; }")
    requests: list[str] = []

    def lose_the_third_answer(route):
        requests.append(route.request.method)
        if route.request.method == "PATCH" and requests.count("PATCH") == 3:
            route.fetch()  # the piece reaches the server, its answer never reaches the page
            route.abort()
        else:
            route.continue_()

    page.route("**/api/uploads/*", lose_the_third_answer)
    fill_the_seal_form(page, key_path, tmp_path, documents)
    page.get_by_test_id("bid-upload").click()

    expect(page.get_by_test_id("receipt")).to_be_visible(timeout=20_000)
    [bid] = bids.my_bids(user, hall.id)
    expect(page.get_by_test_id("receipt-manifest")).to_have_text(bid.manifest_sha256)
    pieces = -(-bid.size // 65536)
    # the lost answer is followed by a question for the offset, and no piece is sent twice
    assert requests.count("GET") == 1 and requests.count("PATCH") == pieces
