"""A new bidder from nothing to a receipt with nothing but the browser, as a company would meet the
platform: it registers itself; the centre's administrator approves it (in a browser too); it
signs in, makes its key file on the Keys page, finds the tender on the public portal, downloads
the documents, learns on the bid page that its lot needs security (an issuer files its
e-guarantee), fills in the bid summary, seals the bid in the page with its key file and
documents, and gets the signed receipt. Once in Chinese on a phone (390 px), once in English at
a desktop's width. Screenshots of every step go to test-artifacts/journey-<lang>-<width>/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bidhall.accounts import rules
from bidhall.crypto import keys
from tests.fixtures.browser import ARTIFACTS, CHROMIUM, open_menu, sign_in
from trading.bids import queries as bids
from trading.bids import receipts

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

PASSWORD = "correct horse 42"
KEY_PASSPHRASE = "our seal, kept offline"


class Journey:
    """One bidder's browser (its own context: language, width, cookies) and the step shots."""

    def __init__(self, chromium, server, lang: str, width: int) -> None:
        self.context = chromium.new_context(
            base_url=server,
            locale="zh-CN" if lang == "zh" else "en-US",
            viewport={"width": width, "height": 844 if width < 800 else 900},
            accept_downloads=True,
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.phone = width < 992  # Bootstrap's lg: the nav folds into the menu button
        self.folder = ARTIFACTS / f"journey-{lang}-{width}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.steps = 0

    def shot(self, name: str) -> None:
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        width = self.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= self.page.viewport_size["width"], f"{name}: {width}px wide"

    def nav(self, testid: str) -> None:
        from playwright.sync_api import expect

        link = self.page.get_by_test_id(testid)
        if self.phone:
            open_menu(self.page)
        link.click()
        expect(self.page).to_have_url(re.compile(re.escape(link.get_attribute("href")) + "$"))


def credit_code(body: str) -> str:
    return body + rules.credit_code_check(body)


def play(journey: Journey, admin_page, tender, guarantee_for, tmp_path: Path, company: dict):
    from playwright.sync_api import expect

    page = journey.page
    # 1. the company registers itself and its first user
    page.goto("/login")
    page.get_by_test_id("register-link").click()
    page.fill("#organisation_name", company["name"])
    page.fill("#credit_code", credit_code(company["code"]))
    page.fill("#contact_name", company["contact"])
    page.fill("#email", company["email"])
    page.fill("#username", company["username"])
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    journey.shot("register")
    page.get_by_test_id("register").click()
    expect(page.locator(".alert-success")).to_be_visible()
    journey.shot("registered")

    # 2. the centre's administrator approves it in its own browser
    admin_page.goto("/admin/registrations")
    row = admin_page.get_by_test_id("registration").filter(has_text=company["name"])
    row.get_by_test_id("approve").click()
    expect(
        admin_page.get_by_test_id("registration").filter(has_text=company["name"])
    ).to_have_attribute("data-state", "approved")

    # 3. it signs in and makes its key file in the page
    page.fill("input[name=username]", company["username"])
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.get_by_test_id("whoami")).to_be_attached()  # signed in: the new page is here
    journey.nav("nav-keys")
    page.get_by_test_id("key-passphrase").fill(KEY_PASSPHRASE)
    page.get_by_test_id("key-passphrase-again").fill(KEY_PASSPHRASE)
    with page.expect_download(timeout=30_000) as made:
        page.get_by_test_id("key-file-make").click()
    key_path = tmp_path / made.value.suggested_filename
    made.value.save_as(key_path)
    keys.load_bundle(key_path.read_bytes(), KEY_PASSPHRASE)  # a key file the CLI reads too
    expect(page.get_by_test_id("certificate")).to_have_count(2)
    journey.shot("key-file")

    # 4. it finds the tender on the public portal and downloads the documents
    page.goto("/")
    page.fill("#q", "Riverside school")
    page.get_by_test_id("portal-search").click()
    page.get_by_test_id("portal-row").first.locator("a").first.click()
    journey.shot("tender")
    with page.expect_download():
        page.get_by_test_id("documents").locator("a").first.click()

    # 5. the bid page says the lot needs security; an issuer files the bidder's e-guarantee
    page.goto(f"/tenders/{tender.id}")
    page.get_by_test_id("bid-link").click()
    expect(page.get_by_test_id("unsecured")).to_be_visible()
    expect(page.get_by_test_id("security-how")).to_be_visible()
    journey.shot("bid-page-unsecured")
    from bidhall.accounts.models import User
    from bidhall.db import db

    user = db.session.query(User).filter_by(username=company["username"]).one()
    guarantee_for(tender, user)
    page.reload()
    expect(page.get_by_test_id("secured")).to_be_visible()

    # 6. the summary, the documents, the key file and the commitment: sealed in the page
    documents = {"technical-plan.pdf": b"%PDF-1.7 plan\n" * 5000, "报价清单.csv": b"item,amount\n"}
    for name, data in documents.items():
        (tmp_path / name).write_bytes(data)
    page.get_by_test_id("summary-price").fill("10350000.00")
    expect(page.get_by_test_id("price-in-words")).to_contain_text("壹仟零叁拾伍万元整")
    page.get_by_test_id("summary-duration_days").fill("540")
    page.get_by_test_id("summary-quality").fill(company["quality"])
    page.get_by_test_id("summary-project_manager").fill(company["contact"])
    page.get_by_test_id("seal-documents").set_input_files([str(tmp_path / n) for n in documents])
    page.get_by_test_id("seal-key").set_input_files(str(key_path))
    page.get_by_test_id("seal-passphrase").fill(KEY_PASSPHRASE)
    page.get_by_test_id("seal-commitment").check()
    journey.shot("bid-filled")
    page.get_by_test_id("bid-upload").click()

    # 7. the receipt: the bidder's own submission number, and a file that verifies offline
    expect(page.get_by_test_id("receipt")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("receipt-submission")).to_have_text("1")
    journey.shot("receipt")
    with page.expect_download() as saved:
        page.get_by_test_id("receipt-download").click()
    body = receipts.verify_receipt(json.loads(Path(saved.value.path()).read_text("utf-8")))
    [bid] = bids.my_bids(user, tender.id)
    assert body["manifest_sha256"] == bid.manifest_sha256 and body["submission"] == 1


@pytest.fixture
def admin_page(chromium, server, make_user):
    context = chromium.new_context(base_url=server, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, make_user("admin"))
    yield page
    context.close()


def test_a_new_bidder_goes_from_registration_to_a_receipt_on_a_phone_in_chinese(
    chromium, server, make_tender, admin_page, guarantee_for, tmp_path
):
    journey = Journey(chromium, server, "zh", 390)
    try:
        play(
            journey,
            admin_page,
            make_tender("published"),
            guarantee_for,
            tmp_path,
            {
                "name": "江城建设有限公司",
                "code": "91330100MA27U1234",
                "contact": "周平",
                "email": "bids@jiangcheng.example",
                "username": "jiangcheng",
                "quality": "合格",
            },
        )
    finally:
        journey.context.close()


def test_a_new_bidder_goes_from_registration_to_a_receipt_at_a_desk_in_english(
    chromium, server, make_tender, admin_page, guarantee_for, tmp_path
):
    journey = Journey(chromium, server, "en", 1366)
    try:
        play(
            journey,
            admin_page,
            make_tender("published"),
            guarantee_for,
            tmp_path,
            {
                "name": "Lakeside Builders Ltd",
                "code": "91330200MA2H5678X",
                "contact": "Anna Lee",
                "email": "bids@lakeside.example",
                "username": "lakeside",
                "quality": "qualified",
            },
        )
    finally:
        journey.context.close()
