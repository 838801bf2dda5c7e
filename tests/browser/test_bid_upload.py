"""The bidder's tender page in a real headless Chromium: the sealed file is uploaded in pieces with
a progress bar, resumed after a lost piece, completed, and answered with
the signed receipt; a plain file and a late upload are refused with the API's message.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bidhall import clock as clock_module
from bidhall.envelope import reading as envelope
from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in
from tests.fixtures.pki import ensure_holder, sealed_bytes
from trading.bids import queries as bids
from trading.bids import receipts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]


def shot(page, name: str) -> None:
    save_screenshot(page, f"bid-upload-{name}")


@pytest.fixture
def tender(make_tender):
    return make_tender("published")


@pytest.fixture
def bidder(world, enroll, tender, guarantee_for):
    """A bidder whose lot 1 is secured by an e-guarantee."""
    user = world.bidder()
    guarantee_for(tender, user)
    return user, enroll(user)


def seal_to_file(bundle, tender_id: int, folder: Path, documents: Path | None = None) -> Path:
    path = folder / "bid.seal"
    path.write_bytes(sealed_bytes(bundle, tender_id, documents=documents))
    return path


def manifest_of(path: Path) -> str:
    with open(path, "rb") as stream:
        return envelope.inspect(stream).manifest_sha256


def wait_for_full_bar(page) -> None:
    # the bar's width is animated (Bootstrap's transition): wait for it before a screenshot
    page.wait_for_function(
        """() => {
          const outer = document.querySelector("[data-testid=upload-progress]");
          const bar = outer.querySelector(".progress-bar");
          return bar.getBoundingClientRect().width >= outer.getBoundingClientRect().width - 1;
        }"""
    )


def open_bid_page(open_page, user, tender):
    page = open_page()
    sign_in(page, user)
    page.goto(f"/tenders/{tender.id}")
    page.click("[data-testid=bid-link]")
    page.wait_for_selector("[data-testid=sealing-kit]")
    if page.get_by_test_id("mode-file").count():  # the form is open: a file sealed by the tool
        page.get_by_test_id("mode-file").check()
    return page


def test_a_bidder_uploads_its_sealed_bid_and_gets_the_receipt(open_page, tender, bidder, tmp_path):
    from playwright.sync_api import expect

    user, bundle = bidder
    sealed = seal_to_file(bundle, tender.id, tmp_path)
    page = open_bid_page(open_page, user, tender)
    expect(page.get_by_test_id("seal-command")).to_contain_text("bidhall seal --tender")
    expect(page.get_by_test_id("sealing-descriptor")).to_have_attribute(
        "href", f"/api/tenders/{tender.id}/sealing"
    )
    shot(page, "1-bid-page")

    page.set_input_files("[data-testid=bid-file]", str(sealed))
    page.click("[data-testid=bid-upload]")

    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    progress = page.get_by_test_id("upload-progress")
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(progress).to_contain_text("100 %")
    sent, size = page.get_by_test_id("upload-bytes").inner_text().split(" / ")
    assert sent == size and re.fullmatch(r"[\d.,]+ (Bytes|kB|MB)", size)
    expect(page.get_by_test_id("receipt-manifest")).to_have_text(manifest_of(sealed))
    expect(page.get_by_test_id("upload-status")).to_have_text("Received: your bid is sealed.")
    expect(page.get_by_test_id("upload-error")).to_be_hidden()
    expect(page.get_by_test_id("receipt-submission")).to_have_text("1")
    bid_id = int(receipt.get_attribute("data-bid-id"))
    bid = bids.get_own_bid(user, bid_id)
    assert bid.manifest_sha256 == manifest_of(sealed)
    expect(page.get_by_test_id("receipt-seq")).to_have_text(str(bid.ledger_seq))
    received = clock_module.local(bid.received_at, tender.timezone)
    expect(page.get_by_test_id("receipt-received")).to_have_text(
        f"{received:%Y-%m-%d %H:%M:%S} ({tender.timezone})"
    )
    wait_for_full_bar(page)
    shot(page, "2-receipt")

    with page.expect_download() as download_info:
        page.click("[data-testid=receipt-download]")
    download = download_info.value
    assert download.suggested_filename == f"receipt-{tender.reference}-lot-1-1.json"
    body = receipts.verify_receipt(json.loads(Path(download.path()).read_text(encoding="utf-8")))
    assert body["bid_id"] == bid_id
    assert body["manifest_sha256"] == manifest_of(sealed)

    # the table of the bidder's bids shows the new bid without a reload
    row = page.locator(f"[data-testid=my-bid][data-bid-id='{bid_id}']")
    expect(row).to_have_attribute("data-state", "sealed")
    expect(row.get_by_test_id("bid-state")).to_have_text("Sealed")
    expect(row.get_by_test_id("withdraw")).to_be_visible()
    shot(page, "3-my-bids")


def test_a_lost_piece_is_resumed_from_the_servers_offset(open_page, tender, bidder, tmp_path):
    from playwright.sync_api import expect

    user, bundle = bidder
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "plan.bin").write_bytes(os.urandom(48 * 1024))
    sealed = seal_to_file(bundle, tender.id, tmp_path, documents)
    page = open_bid_page(open_page, user, tender)
    # small pieces, so the upload takes several requests
    page.eval_on_selector("#bid-upload-form", "form => { form.dataset.pieceBytes = '8192'; }")
    requests: list[str] = []

    def lose_the_second_answer(route):
        requests.append(route.request.method)
        if route.request.method == "PATCH" and requests.count("PATCH") == 2:
            # the piece reaches the server, its answer never reaches the browser
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route("**/api/uploads/*", lose_the_second_answer)

    page.set_input_files("[data-testid=bid-file]", str(sealed))
    page.click("[data-testid=bid-upload]")

    expect(page.get_by_test_id("receipt")).to_be_visible()
    expect(page.get_by_test_id("upload-progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("receipt-manifest")).to_have_text(manifest_of(sealed))
    pieces = -(-sealed.stat().st_size // 8192)
    # the lost answer is followed by a question for the offset, and no piece is sent twice
    assert requests.count("GET") == 1
    assert requests.count("PATCH") == pieces
    assert requests.index("GET") == 2
    wait_for_full_bar(page)
    shot(page, "4-resumed")


def test_a_plain_file_is_refused_with_the_not_an_envelope_message(open_page, tender, bidder):
    from playwright.sync_api import expect

    user, _bundle = bidder
    ensure_holder(user, tender.id)
    page = open_bid_page(open_page, user, tender)

    page.set_input_files(
        "[data-testid=bid-file]",
        files=[
            {
                "name": "bid.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.7 our unencrypted bid, which must never be accepted\n" * 50,
            }
        ],
    )
    page.click("[data-testid=bid-upload]")

    alert = page.get_by_test_id("upload-error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(
        "not a bidhall-seal/1 envelope: an unencrypted or foreign file is refused"
    )
    expect(alert.locator("[data-role=code]")).to_have_text("not_an_envelope")
    expect(page.get_by_test_id("receipt")).to_be_hidden()
    shot(page, "5-not-an-envelope")
    page.reload()
    expect(page.get_by_test_id("my-bid")).to_have_count(0)


def test_a_refusal_is_worded_in_the_pages_language_with_its_code_in_small_print(
    open_page, tender, bidder
):
    from playwright.sync_api import expect

    user, _bundle = bidder
    ensure_holder(user, tender.id)
    page = open_bid_page(open_page, user, tender)
    page.click("button[data-lang=zh]")  # the bidder switches the pages to Chinese
    page.wait_for_selector("html[lang=zh-CN]")
    page.get_by_test_id("mode-file").check()

    page.set_input_files(
        "[data-testid=bid-file]",
        files=[{"name": "bid.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" * 100}],
    )
    page.click("[data-testid=bid-upload]")

    alert = page.get_by_test_id("upload-error")
    expect(alert.locator("[data-role=message]")).to_have_text(
        "该文件不是 bidhall-seal/1 加密投标文件：未加密或其他格式的文件不予接收。"
        "请用投标文件制作工具（bidhall seal）加密后再上传。"
    )
    expect(alert.locator("[data-role=code]")).to_have_text("not_an_envelope")


def test_an_upload_after_the_deadline_is_refused_with_the_rules_message(
    open_page, tender, bidder, tmp_path, clock
):
    from playwright.sync_api import expect

    user, bundle = bidder
    sealed = seal_to_file(bundle, tender.id, tmp_path)
    page = open_bid_page(open_page, user, tender)
    clock.set(tender.bid_deadline)  # the deadline passes while the page is open

    page.set_input_files("[data-testid=bid-file]", str(sealed))
    page.click("[data-testid=bid-upload]")

    alert = page.get_by_test_id("upload-error")
    expect(alert).to_contain_text("the bid deadline has passed: late bids are refused")
    expect(alert.locator("[data-role=code]")).to_have_text("bid_deadline_passed")
    shot(page, "6-deadline-passed")


def test_choosing_no_file_asks_for_one(open_page, tender, bidder):
    from playwright.sync_api import expect

    user, _bundle = bidder
    page = open_bid_page(open_page, user, tender)

    page.click("[data-testid=bid-upload]")

    expect(page.get_by_test_id("upload-error")).to_have_text(
        "Choose the sealed file (.seal) first."
    )


def test_an_unsecured_lot_is_warned_of_and_the_upload_asks_first(
    open_page, tender, world, enroll, tmp_path
):
    from playwright.sync_api import expect

    from trading.bids import queries

    user = world.bidder()
    sealed = seal_to_file(enroll(user), tender.id, tmp_path)
    page = open_bid_page(open_page, user, tender)
    expect(page.get_by_test_id("unsecured-warning")).to_be_visible()
    expect(page.get_by_test_id("security-how")).to_have_attribute("open", "")
    expect(page.get_by_test_id("unsecured")).to_be_visible()
    page.set_input_files("[data-testid=bid-file]", str(sealed))
    asked = []

    def answer(dialog, accept: bool):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.click("[data-testid=bid-upload]")
    assert asked and "not secured" in asked[0]
    expect(page.get_by_test_id("receipt")).to_be_hidden()
    assert queries.my_bids(user, tender.id) == []
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.click("[data-testid=bid-upload]")
    expect(page.get_by_test_id("receipt")).to_be_visible()
    shot(page, "unsecured-uploaded")
