"""Every page of the app in a real headless Chromium, as each role that may see it, in English and
in Chinese, at a phone's width (390 px) and a laptop's (1366 px). A page fails on an axe-core
violation of serious or critical impact, on a page wider than the window, on a stored code or a
message id shown as it is (``published``, ``error:not_found``), and on a JavaScript error.

The table below names every page of the URL map; a page missing from it fails the first test, so
a new page cannot ship without being checked. Screenshots go to test-artifacts/pages-*.png."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from tests.fixtures.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, sign_in
from tests.pages.codes import raw_codes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium at /usr/bin/chromium"
    ),
]

WIDTHS = (390, 1366)
LANGUAGES = {"en": "en-US", "zh": "zh-CN"}
ROLES = ("tenderer", "agency", "bidder", "expert", "supervisor", "issuer", "admin")

# (URL rule, who visits it, the values of its parameters). The names in the values are the
# objects of the `site` fixture below: T = the cast's published tender (suspended by an
# objection), DRAFT / FILING / RETURNED / FILED = tenders in those states, X = the cast's draw.
PAGES = [
    ("/", ("anonymous", *ROLES), {}),
    ("/login", ("anonymous",), {}),
    ("/register", ("anonymous",), {}),
    ("/admin/registrations", ("admin",), {}),
    ("/tenders/<int:tender_id>", ("anonymous", "bidder"), {"tender_id": "T"}),
    ("/tenders/<int:tender_id>", ("anonymous",), {"tender_id": "PUBLISHED"}),
    ("/tenders/<int:tender_id>/bid", ("bidder",), {"tender_id": "T"}),
    ("/tenders/<int:tender_id>/opening", ("agency", "bidder", "supervisor"), {"tender_id": "T"}),
    ("/admin/organisations", ("admin",), {}),
    ("/admin/users", ("admin",), {}),
    ("/account/tokens", ("bidder",), {}),
    ("/account/keys", ("bidder", "expert"), {}),
    # the message centre: the bidder's holds its bid's receipt, the agency's the objection
    ("/messages", ("bidder", "agency"), {}),
    ("/agency/tenders", ("agency",), {}),
    ("/agency/tenders/new", ("agency",), {}),
    ("/agency/tenders/<int:tender_id>", ("agency",), {"tender_id": "T"}),
    ("/agency/tenders/<int:tender_id>", ("agency",), {"tender_id": "DRAFT"}),
    ("/agency/tenders/<int:tender_id>", ("tenderer",), {"tender_id": "RETURNED"}),
    ("/agency/tenders/<int:tender_id>", ("agency",), {"tender_id": "FILED"}),
    ("/agency/tenders/<int:tender_id>/edit", ("agency",), {"tender_id": "DRAFT"}),
    ("/agency/draws", ("agency",), {}),
    ("/agency/tenders/<int:tender_id>/draw", ("agency",), {"tender_id": "T"}),
    # the award page before any report (its pages with a report: tests/trading/award/), and
    # EVT's, read out: its bid security section lists a bidder's e-guarantee and its claim form
    ("/agency/tenders/<int:tender_id>/award", ("agency", "supervisor"), {"tender_id": "T"}),
    ("/agency/tenders/<int:tender_id>/award", ("agency", "supervisor"), {"tender_id": "EVT"}),
    ("/supervision/filings", ("supervisor",), {}),
    ("/supervision/complaints", ("supervisor",), {}),
    ("/finance", ("admin",), {}),
    ("/supervision/filings/<int:tender_id>", ("supervisor",), {"tender_id": "FILING"}),
    ("/supervision/draws", ("supervisor",), {}),
    ("/supervision/draws/<int:draw_id>", ("supervisor",), {"draw_id": "X"}),
    ("/checkin", ("supervisor",), {}),
    ("/checkin/draws/<int:draw_id>", ("supervisor",), {"draw_id": "X"}),
    ("/expert/invitations", ("expert",), {}),
    ("/issuer/guarantees", ("issuer",), {}),
    # EV = a live session at its review, a failed requirement awaiting the leader's vote and a
    # clarification asked; the expert is its leader; the bidder is the cast's (asked nothing)
    ("/evaluation/<int:session_id>", ("expert", "supervisor"), {"session_id": "EV"}),
    ("/my/clarifications", ("bidder",), {}),
    # AL = the alert the detectors raised on EV's vote the leader closed before anyone voted
    ("/supervision/alerts", ("supervisor",), {}),
    ("/supervision/alerts/<int:alert_id>", ("supervisor",), {"alert_id": "AL"}),
    # the live console: EV live at its review with AL open, the cast's tender due (its opening)
    ("/supervision", ("supervisor",), {}),
    # playback of EV and of the opening of its tender (EVT, read out and closed); the charts
    ("/supervision/playback", ("supervisor",), {}),
    ("/supervision/playback/opening/<int:tender_id>", ("supervisor",), {"tender_id": "EVT"}),
    ("/supervision/playback/evaluation/<int:session_id>", ("supervisor",), {"session_id": "EV"}),
    ("/supervision/trends", ("supervisor",), {}),
    # the statistics: the public's tables, and the centre's for a supervisor (EVT is opened)
    ("/statistics", ("anonymous", "bidder", "supervisor"), {}),
    # the credit lists (public; a supervisor also sees the decision form)
    ("/credit", ("anonymous", "supervisor"), {}),
]

# error pages a browser meets: (path, who, the status it must answer)
ERROR_PAGES = [
    ("/no/such/page", "anonymous", 404),
    ("/tenders/999999", "bidder", 404),
    ("/admin/users", "bidder", 403),
]

# GET rules that are files or data, not pages
NOT_PAGES = {
    "/static/<path:filename>",
    "/bootstrap/static/<path:filename>",
    "/ca/root.pem",
    "/ca/issuing.pem",
    "/ca/crl.pem",
    "/tenders/<int:tender_id>/bids/<int:bid_id>/receipt.json",
}

# findings known and not fixed yet: (URL rule, check, rule id or code). Keep it empty.
KNOWN: set[tuple[str, str, str]] = set()


def test_every_page_of_the_url_map_has_a_row_in_the_table(app):
    pages = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith("/api/")
    }
    table = {rule for rule, _, _ in PAGES}
    assert pages - NOT_PAGES - table == set(), "pages without a row in tests/pages"
    assert table - pages == set(), "rows for pages that do not exist"


def test_the_navbar_folds_into_a_menu_at_a_phones_width(open_page):
    from playwright.sync_api import expect

    page = open_page()
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    page.goto("/")
    sign_in_link = page.locator("nav a[href='/login']")
    expect(sign_in_link).to_be_hidden()
    page.get_by_test_id("nav-toggle").click()
    expect(sign_in_link).to_be_visible()
    page.set_viewport_size({"width": WIDTHS[-1], "height": 800})
    expect(page.get_by_test_id("nav-toggle")).to_be_hidden()


@pytest.fixture
def app_overrides() -> dict:
    # what a centre configures and the pages then show: the portal's region filter and the
    # tender form's region field, the footer's operator
    return {
        "REGIONS": {"330100": "Riverside", "330200": "Lakeside"},
        "OPERATOR_NAME": "Riverside Public Resource Trading Centre",
        "OPERATOR_ADDRESS": "1 Market Street, Riverside",
        "OPERATOR_PHONE": "0571 8000 0000",
        "OPERATOR_EMAIL": "service@example.org",
        "OPERATOR_ICP": "浙ICP备00000000号",
    }


@dataclass
class Visit:
    rule: str
    actor: str
    url: str
    status: int = 200
    findings: list[str] = field(default_factory=list)


@pytest.fixture
def read_out(seal_bids, guarantee_for):
    """The committee's tender read out as tests/fixtures/opening.py reads it, its first bidder's
    lot secured by an e-guarantee before the deadline: the award page's bid security section."""

    def read(tender):
        hall = seal_bids(tender)
        guarantee_for(tender, hall.bidders[0].user)
        hall.read_out()
        return hall

    return read


@pytest.fixture
def site(committee, cast, world, make_tender, raised):  # committee first: it moves the clock
    """The cast's objects, tenders in the other states before publication, and the users who
    visit, by role."""
    from sqlalchemy import select

    from bidhall.accounts.models import User
    from bidhall.db import db
    from trading.guarantees import security
    from trading.tenders import services
    from trading.tenders.models import Tender

    _clients, ids = cast
    objects = dict(ids)
    objects["DRAFT"] = make_tender("draft").id
    objects["FILING"] = make_tender("filing").id
    returned = make_tender("filing")
    services.decide_filing(world.supervisor, returned.id, accept=False, reason="Lot 1 unclear.")
    objects["RETURNED"] = returned.id
    objects["FILED"] = make_tender("filed").id
    objects["PUBLISHED"] = make_tender("published").id
    committee.elect(1)
    leader = committee.member(1)
    vote = committee.run(
        leader, "open_vote", matter="other", question="Visit the site?", options=["yes", "no"]
    )["vote"]
    committee.run(leader, "close_vote", vote=vote)  # nobody voted: vote.incomplete (AL)
    committee.pass_all(except_for=((2, committee.bids[0], "q-licence", "unqualified"),))
    committee.run(
        committee.member(1), "ask", bid_id=committee.bids[1], question="Why?", due_minutes=30
    )
    objects["EV"] = committee.id
    objects["EVT"] = committee.tender_id
    evt = db.session.get(Tender, committee.tender_id)
    assert security.named_security(evt).guarantees, "EVT's award page shows its bid security"
    [alert] = raised("vote.incomplete")
    objects["AL"] = alert["id"]
    with db.transaction() as session:
        users = list(session.scalars(select(User).order_by(User.id)))
        session.expunge_all()
    people = {
        "tenderer": world.tenderer,
        "agency": world.agency,
        "supervisor": world.supervisor,
        "expert": committee.member(1),  # the session's leader, checked in
    }
    for user in users:
        role = user.role.value
        if role == "bidder" and user.organisation_id != ids["G"]:
            continue
        people.setdefault(role, user)
    return objects, people


def _url(rule: str, values: dict[str, str], objects: dict) -> str:
    def fill(match: re.Match) -> str:
        return str(objects[values[match.group(1)]])

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", fill, rule)


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .flatMap(v => v.nodes.map(n => v.id + ' ' + n.target.join(' ')));
}"""

# text a person reads: text nodes and the attributes shown as text, but neither literal computer
# text (<code>: commands, field names, hashes) nor user content marked translate="no"; split at
# the separators pages put between a name and a value
RAW_TEXT = """(codes) => {
  const wanted = new Set(codes);
  const found = new Set();
  const literal = 'script, style, noscript, template, code, pre, kbd, samp, [translate=no]';
  const skip = el => !el || el.closest(literal);
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    if (!skip(walker.currentNode.parentElement)) texts.push(walker.currentNode.nodeValue);
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (skip(el)) continue;
    for (const name of ['title', 'aria-label', 'placeholder']) {
      if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  for (const text of texts) {
    for (const part of text.split(/[\\n·:|,;()\\[\\]\\/–—•]+/)) {
      if (wanted.has(part.trim())) found.add(part.trim());
    }
    for (const token of text.match(/[A-Za-z0-9_:.-]+/g) || []) {
      if (token.startsWith('error:')) found.add(token);
      else if (token.includes('_') && wanted.has(token)) found.add(token);
    }
  }
  return [...found];
}"""

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


class Inspector:
    """One browser context per visitor (its own cookies), each with one page that visits the
    visitor's URLs at each width in turn, collecting what went wrong."""

    def __init__(self, browser, base_url: str, language: str, people: dict) -> None:
        self.browser = browser
        self.base_url = base_url
        self.language = language
        self.people = people
        self.pages: dict[str, object] = {}
        self.errors: list[str] = []
        self.codes = sorted(raw_codes())

    def page_for(self, actor: str):
        if actor not in self.pages:
            context = self.browser.new_context(
                base_url=self.base_url,
                locale=LANGUAGES[self.language],
                viewport={"width": WIDTHS[-1], "height": 900},
            )
            context.set_default_timeout(10000)
            page = context.new_page()
            page.on("pageerror", lambda error: self.errors.append(f"pageerror {error}"))
            page.on("console", self._console)
            if actor != "anonymous":
                sign_in(page, self.people[actor])
            self.pages[actor] = page
        return self.pages[actor]

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # the browser reports the page's own 4xx status; the visit checks it instead
        if message.text.startswith("Failed to load resource") and self._document_status:
            url = (message.location or {}).get("url", "")
            if url == self._document_url:
                return
        self.errors.append(f"console {message.text}")

    _document_status = 0
    _document_url = ""

    def inspect(self, visit: Visit) -> None:
        page = self.page_for(visit.actor)
        for width in WIDTHS:
            self.errors.clear()
            page.set_viewport_size({"width": width, "height": 900})
            self._document_url = self.base_url + visit.url
            self._document_status = visit.status
            response = page.goto(visit.url, wait_until="load")
            where = f"{visit.rule} [{visit.url} as {visit.actor}, {self.language}, {width}px]"
            if response.status != visit.status:
                visit.findings.append(f"{where} status: {response.status}")
            lang = page.evaluate("() => document.documentElement.lang")
            if not lang.startswith(self.language):
                visit.findings.append(f"{where} lang: <html lang={lang!r}>")
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                visit.findings.append(f"{where} overflow: {overflow}px wider than the window")
            if width == WIDTHS[0]:
                for code in page.evaluate(RAW_TEXT, self.codes):
                    visit.findings.append(f"{where} raw-code: {code}")
            page.add_script_tag(url="/static/vendor/axe.min.js")
            for violation in page.evaluate(AXE_RUN):
                visit.findings.append(f"{where} axe: {violation}")
            page.wait_for_timeout(50)  # console messages of the last scripts arrive
            for error in self.errors:
                visit.findings.append(f"{where} js-error: {error}")
            slug = re.sub(r"[^a-z0-9]+", "-", visit.url.lower()).strip("-") or "home"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(
                path=str(ARTIFACTS / f"pages-{self.language}-{width}-{visit.actor}-{slug}.png"),
                full_page=True,
            )


def _known(finding: str) -> bool:
    return any(
        finding.startswith(rule + " ") and f" {check}: " in finding and what in finding
        for rule, check, what in KNOWN
    )


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_page_passes_the_browser_checks(language, site, server):
    from playwright.sync_api import sync_playwright

    objects, people = site
    visits = [
        Visit(rule, actor, _url(rule, values, objects))
        for rule, actors, values in PAGES
        for actor in actors
    ]
    visits += [Visit(path, actor, path, status) for path, actor, status in ERROR_PAGES]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            inspector = Inspector(browser, server, language, people)
            for visit in visits:
                inspector.inspect(visit)
        finally:
            browser.close()
    findings = [f for visit in visits for f in visit.findings if not _known(f)]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"pages-{language}-findings.txt").write_text("".join(f + "\n" for f in findings))
    assert findings == [], f"{len(findings)} findings:\n" + "\n".join(findings)
