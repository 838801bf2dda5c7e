"""The bidder's bid page, the opening hall and the evaluation session on a phone (390 × 844) and a
tablet (768 × 1024), in real headless Chromium: the document never scrolls sideways, every target
is big enough to touch, the primary actions are 44 px tall on the phone, and the tables marked
.table-stack(-lg) are stacks of cards on the phone and tables on a laptop (1366). A bidder uploads
its sealed bid and decrypts it in the hall at a phone's width. Screenshots go to
test-artifacts/phone-*.png and tablet-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidhall.crypto import keys
from tests.fixtures.browser import CHROMIUM, save_screenshot, sign_in
from tests.fixtures.pki import sealed_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1366, "height": 900}
PASSPHRASE = "phone passphrase 42"

# WCAG 2.2 SC 2.5.8 (AA): a target is at least 24 × 24 CSS px. What we count as a target: every
# visible a, button, input, select, textarea, summary and [role=button], but
#  - a link laid out inline in text (display: inline), the SC's "inline" exception: its height is
#    the line's, set by the text around it;
#  - an element 1 px or less (visually hidden);
#  - an undersized target that passes the SC's spacing exception: a 24 px circle centred on its box
#    meets no other target's box, nor the circle of another undersized target.
SMALL_TARGETS = """() => {
  const MIN = 24;
  const selector = "a, button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  const targets = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") continue;
    targets.push({ el, box, x: box.left + box.width / 2, y: box.top + box.height / 2 });
  }
  const small = targets.filter((t) => t.box.width < MIN || t.box.height < MIN);
  const meets = (t, other) => {
    const dx = Math.max(other.box.left - t.x, 0, t.x - other.box.right);
    const dy = Math.max(other.box.top - t.y, 0, t.y - other.box.bottom);
    return Math.hypot(dx, dy) < MIN / 2;
  };
  const crowded = (t) =>
    targets.some((o) => o !== t && meets(t, o)) ||
    small.some((o) => o !== t && Math.hypot(o.x - t.x, o.y - t.y) < MIN);
  return small.filter(crowded).map((t) => {
    const name = t.el.dataset.testid || (t.el.textContent || t.el.name || "").trim().slice(0, 30);
    const size = `${Math.round(t.box.width)}×${Math.round(t.box.height)}`;
    return `${t.el.tagName.toLowerCase()} "${name}" ${size}`;
  });
}"""

STACKED = "table.table-stack, table.table-stack-lg"
# the tables marked to stack, as cards (stacked=true: no header, each cell a line of its own as
# wide as its card, a labelled cell showing its label before it) or as tables
STACKING = """([stacked, selector]) => {
  const checked = [];
  const problems = [];
  for (const table of document.querySelectorAll(selector)) {
    if (!table.checkVisibility()) continue;
    const name = table.dataset.testid || table.className;
    checked.push(name);
    const display = getComputedStyle(table).display;
    const head = table.tHead && table.tHead.checkVisibility();
    if (!stacked) {
      if (display !== "table" || !head) problems.push(`${name}: not a table (${display})`);
      continue;
    }
    if (display !== "block") problems.push(`${name}: display ${display}`);
    if (head) problems.push(`${name}: its header is shown`);
    for (const row of table.tBodies[0].rows) {
      const card = row.getBoundingClientRect();
      let bottom = -Infinity;
      let labelled = 0;
      for (const cell of row.cells) {
        if (!cell.checkVisibility()) continue;
        const box = cell.getBoundingClientRect();
        if (box.width < card.width - 2) problems.push(`${name}: a cell narrower than its card`);
        if (box.top < bottom - 1) problems.push(`${name}: two cells on one line`);
        bottom = box.bottom;
        if (cell.tagName !== "TD" || !cell.dataset.label) continue;
        labelled += 1;
        const shown = getComputedStyle(cell, "::before").content;
        if (shown !== JSON.stringify(cell.dataset.label)) {
          problems.push(`${name}: a cell labelled ${cell.dataset.label} shows ${shown}`);
        }
      }
      if (row.cells.length > 1 && !labelled) problems.push(`${name}: a card without labels`);
    }
  }
  return { checked, problems };
}"""

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def check_fit(page, name: str, primary: list[str], stacked: set[str]) -> list[str]:
    """The page at a phone's and a tablet's width, then a laptop's: what does not fit. ``primary``
    are the testids of the visible primary actions; ``stacked`` the testids of the tables that
    must be cards on the phone."""
    findings = []
    for size, device in ((PHONE, "phone"), (TABLET, "tablet")):
        page.set_viewport_size(size)
        where = f"{name} at {size['width']}px"
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            findings.append(f"{where}: the page is {overflow}px wider than the window")
        findings += [f"{where}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
        if size is PHONE:
            for testid in primary:
                for target in page.get_by_test_id(testid).all():
                    if not target.is_visible():
                        continue
                    height = target.bounding_box()["height"]
                    if height < 44:
                        findings.append(f"{where}: primary action {testid} {height:.0f}px tall")
            cards = page.evaluate(STACKING, [True, STACKED])
            findings += [f"{where}: {problem}" for problem in cards["problems"]]
            missing = stacked - set(cards["checked"])
            if missing:
                findings.append(f"{where}: tables not checked as cards: {sorted(missing)}")
        save_screenshot(page, f"{device}-{name}-{size['width']}")
    page.set_viewport_size(LAPTOP)
    tables = page.evaluate(STACKING, [False, STACKED])
    findings += [f"{name} at 1366px: {problem}" for problem in tables["problems"]]
    return findings


def signed_in(open_page, user):
    """A signed-in page; it signs in at a laptop's width, where the navbar shows who is in."""
    page = open_page()
    sign_in(page, user)
    return page


# --- the bid page ---------------------------------------------------------------------------------


@pytest.fixture
def tender(make_tender):
    return make_tender("published")


@pytest.fixture
def bidder(world, enroll, tender, guarantee_for):
    """A bidder whose lot 1 is secured (the page then asks nothing before the upload)."""
    user = world.bidder()
    guarantee_for(tender, user)
    return user, enroll(user)


def upload_on_a_phone(open_page, tender, bidder, tmp_path):
    from playwright.sync_api import expect

    user, bundle = bidder
    sealed = tmp_path / "bid.seal"
    sealed.write_bytes(sealed_bytes(bundle, tender.id))
    page = signed_in(open_page, user)
    page.set_viewport_size(PHONE)
    page.goto(f"/tenders/{tender.id}/bid")
    page.get_by_test_id("mode-file").check()  # a file sealed by the tool (the journey seals here)
    page.get_by_test_id("bid-file").set_input_files(sealed)
    page.get_by_test_id("bid-upload").click()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    expect(page.get_by_test_id("upload-status")).to_have_text("Received: your bid is sealed.")
    return page


def test_a_bidder_uploads_a_sealed_file_and_sees_the_receipt_on_a_phone(
    open_page, tender, bidder, tmp_path
):
    from playwright.sync_api import expect

    page = upload_on_a_phone(open_page, tender, bidder, tmp_path)
    manifest = page.get_by_test_id("receipt-manifest")
    expect(manifest).to_have_text(
        page.get_by_test_id("my-bid").locator("code").get_attribute("title")
    )
    # the receipt's hash wraps inside the window, and the bid's card shows its state and actions
    box = manifest.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    row = page.get_by_test_id("my-bid")
    expect(row).to_have_attribute("data-state", "sealed")
    withdraw = row.get_by_test_id("withdraw")
    withdraw.scroll_into_view_if_needed()
    expect(withdraw).to_be_in_viewport(ratio=1)
    assert page.evaluate(OVERFLOW) <= 0
    save_screenshot(page, "phone-bid-receipt-390")


def test_the_bid_page_with_a_bid_and_its_receipt_fits_a_phone_and_a_tablet(
    open_page, tender, bidder, tmp_path
):
    page = upload_on_a_phone(open_page, tender, bidder, tmp_path)
    findings = check_fit(page, "bid", ["bid-upload"], {"my-bids"})
    assert findings == [], "\n".join(findings)


# --- the opening hall -----------------------------------------------------------------------------


def key_file(tmp_path, seat):
    path = tmp_path / "bidder.bhkey"
    path.write_bytes(keys.dump_bundle(seat.bundle, PASSPHRASE, iterations=1000))
    return path


def enter_hall(open_page, user, hall):
    from playwright.sync_api import expect

    page = signed_in(open_page, user)
    page.goto(f"/tenders/{hall.id}/opening")
    expect(page.get_by_test_id("opening-hall")).to_have_attribute("data-joined", "yes")
    return page


def phase_is(page, phase: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("opening-hall")).to_have_attribute("data-phase", phase)


def test_a_bidder_decrypts_its_bid_and_sees_the_read_out_on_a_phone(open_page, make_hall, tmp_path):
    from playwright.sync_api import expect

    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders[1:]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    seat = hall.bidders[0]
    page = enter_hall(open_page, seat.user, hall)
    page.set_viewport_size(PHONE)
    phase_is(page, "decrypting")

    page.get_by_test_id("decrypt-key").set_input_files(key_file(tmp_path, seat))
    page.get_by_test_id("decrypt-passphrase").fill(PASSPHRASE)
    page.get_by_test_id("decrypt").click()
    expect(page.get_by_test_id("decrypt-status")).to_contain_text("decrypted and accepted")
    phase_is(page, "reading")
    for _ in hall.bidders:
        hall.run(hall.agency, "read_next")
    phase_is(page, "read")

    rows = page.get_by_test_id("readout-row")
    expect(rows).to_have_count(3)
    # each bid read out is a card: its price, in figures and in capitals, inside the window
    price = rows.first.get_by_test_id("readout-price")
    expect(price).to_have_text("10,350,000.00 yuan")
    box = price.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(rows.first.locator("[data-item=price]")).to_have_attribute("data-label", "Price")
    assert page.evaluate(OVERFLOW) <= 0
    save_screenshot(page, "phone-hall-read-out-390")


def test_the_opening_hall_fits_a_phone_and_a_tablet_before_during_and_after_decryption(
    open_page, make_hall, clock
):
    from playwright.sync_api import expect

    hall = make_hall(3)
    clock.set(hall.deadline - timedelta(minutes=2))
    page = enter_hall(open_page, hall.bidders[0].user, hall)
    findings = []

    # before the deadline: the bidder signs in to the hall
    page.set_viewport_size(PHONE)
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    findings += check_fit(page, "hall-waiting", ["sign-in"], set())
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("signed-in")).to_be_visible()

    # the decryption window: the bid list and the decrypt panel
    hall.reach_deadline()
    phase_is(page, "decrypting")
    expect(page.get_by_test_id("hall-bid")).to_have_count(3)
    findings += check_fit(page, "hall-decrypting", ["decrypt"], {"hall-bids"})

    # read out: the read-out table
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    for _ in hall.bidders:
        hall.run(hall.agency, "read_next")
    phase_is(page, "read")
    expect(page.get_by_test_id("readout-row")).to_have_count(3)
    findings += check_fit(page, "hall-read", ["object"], {"hall-bids", "readout-table"})
    assert findings == [], "\n".join(findings)


# --- the evaluation session -----------------------------------------------------------------------


def enter_session(open_page, user, session_id: int):
    from playwright.sync_api import expect

    page = signed_in(open_page, user)
    page.goto(f"/evaluation/{session_id}")
    expect(page.get_by_test_id("evaluation-session")).to_have_attribute("data-joined", "yes")
    return page


def at_stage(page, stage: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("session-stage")).to_have_attribute("data-stage", stage)


def test_the_evaluation_session_fits_a_phone_and_a_tablet_while_voting_and_scoring(
    open_page, committee
):
    from playwright.sync_api import expect

    c = committee
    c.elect(1)
    leader = enter_session(open_page, c.member(1), c.id)
    supervisor = enter_session(open_page, c.supervisor, c.id)
    findings = []

    # the review, with a question put to the vote: members vote, the supervisor watches
    c.run(
        c.member(1), "open_vote", matter="other", question="Visit the site?", options=["yes", "no"]
    )
    for page in (leader, supervisor):
        expect(page.get_by_test_id("vote-panel")).to_be_visible()
    expect(leader.get_by_test_id("review-cell")).to_have_count(18)
    stacked = {"members", "bids", "review-grid"}
    findings += check_fit(leader, "evaluation-voting", ["cast"], stacked)
    findings += check_fit(
        supervisor, "evaluation-supervisor", [], {"members", "bids", "workstations"}
    )
    vote = next(v["number"] for v in c.state(c.member(1))["votes"] if v["open"])
    leader.locator("[data-testid=cast][data-choice=yes]").click()
    expect(leader.get_by_test_id("my-choice")).to_be_visible()
    c.run(c.member(1), "close_vote", vote=vote)

    # scoring
    c.pass_all()
    c.run(c.member(1), "close_review")
    at_stage(leader, "scoring")
    expect(leader.get_by_test_id("score-input")).to_have_count(6)
    findings += check_fit(leader, "evaluation-scoring", ["submit-scores"], {"members", "bids"})

    # ranked: the ranking, one column per member, is a card per bid on the phone and the tablet
    c.submit_all()
    at_stage(leader, "ranked")
    expect(leader.get_by_test_id("result-row")).to_have_count(3)
    findings += check_fit(leader, "evaluation-ranked", [], {"members", "bids", "ranking"})
    leader.set_viewport_size(TABLET)
    on_a_tablet = leader.evaluate(STACKING, [True, "table.table-stack-lg"])
    assert on_a_tablet == {"checked": ["ranking"], "problems": []}
    assert findings == [], "\n".join(findings)
