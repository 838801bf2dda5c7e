"""Security headers (bidhall/security_headers.py) on every kind of response, and pages that keep to
the Content-Security-Policy: no inline script, no inline style, no inline event handler. The
browser tests (tests/browser, tests/fixtures/browser.py) check the same in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bidhall.config import DEFAULTS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PRODUCTION = {
    "BIDHALL_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "BIDHALL_CA_PASSPHRASE": "p" * 40,
}

ALWAYS = {
    "Content-Security-Policy": DEFAULTS["CONTENT_SECURITY_POLICY"],
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize(
    ("path", "status", "mimetype"),
    [
        ("/login", 200, "text/html"),
        ("/api/tenders", 200, "application/json"),
        ("/api/me", 401, "application/json"),
        ("/no/such/page", 404, "text/html"),
        ("/static/css/bidhall.css", 200, "text/css"),
        ("/static/js/opening.js", 200, "text/javascript"),
        ("/bootstrap/static/css/bootstrap.min.css", 200, "text/css"),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(client, path, status, mimetype):
    response = client.get(path, headers={"Accept": "application/json"} if "/api/" in path else {})
    assert (response.status_code, response.mimetype) == (status, mimetype)
    assert_security_headers(response)


def test_an_internal_error_carries_the_security_headers(app, client):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    response = client.get("/broken")
    assert response.status_code == 500
    assert_security_headers(response)


def test_the_policy_forbids_inline_scripts_styles_plugins_and_framing():
    directives = dict(
        (part.split()[0], part.split()[1:])
        for part in DEFAULTS["CONTENT_SECURITY_POLICY"].split(";")
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in DEFAULTS["CONTENT_SECURITY_POLICY"]
    assert "'unsafe-eval'" not in DEFAULTS["CONTENT_SECURITY_POLICY"]


def test_strict_transport_security_is_not_sent_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("app_overrides", [PRODUCTION])
def test_production_pins_the_browser_to_https_for_a_year(client):
    response = client.get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_security_headers(response)


@pytest.mark.parametrize(
    "app_overrides", [{"CONTENT_SECURITY_POLICY": "default-src 'self' x.test"}]
)
def test_a_centre_sets_its_own_policy(client):
    assert client.get("/").headers["Content-Security-Policy"] == "default-src 'self' x.test"


# --- pages keep to the policy ------------------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what the policy would refuse: inline scripts, style attributes and <style>
    elements, on* handlers and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            if attributes.get("type") != "application/json":  # data, never executed
                self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style={value!r} on <{tag}>")
            elif name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            elif name in ("href", "action", "src") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{name}={value!r} on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_what_the_policy_refuses():
    html = (
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<script src="/static/js/live.js"></script><p style="color:red" onclick="x()">'
        '<a href="javascript:void(0)">x</a><style>p{}</style>'
    )
    assert inline_code(html) == [
        "inline <script>",
        "style='color:red' on <p>",
        "onclick= on <p>",
        "href='javascript:void(0)' on <a>",
        "<style> element",
    ]


def test_no_template_source_has_an_inline_script_style_or_handler():
    pattern = re.compile(
        r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>|<style\b|\sstyle="
        r"|\son[a-z]+=|javascript:",
        re.IGNORECASE,
    )
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_the_rendered_pages_of_every_role_have_no_inline_script_or_style(
    client, login, make_tender, make_user, world
):
    published = make_tender("published")
    filing = make_tender("filing")
    draft = make_tender("draft")
    agency, supervisor = login(world.agency), login(world.supervisor)
    pages = [
        (client, "/"),
        (client, "/login"),
        (client, f"/tenders/{published.id}"),
        (client, "/no/such/page"),
        (agency, "/agency/tenders"),
        (agency, "/agency/tenders/new"),
        (agency, f"/agency/tenders/{draft.id}/edit"),
        (agency, f"/agency/tenders/{published.id}"),
        (agency, f"/tenders/{published.id}/opening"),
        (agency, "/agency/draws"),
        (supervisor, "/supervision/filings"),
        (supervisor, f"/supervision/filings/{filing.id}"),
        (supervisor, "/supervision/draws"),
        (login(world.bidder()), f"/tenders/{published.id}/bid"),
        (login(make_user("admin")), "/admin/organisations"),
        (login(make_user("admin")), "/admin/users"),
        (login(make_user("issuer")), "/issuer/guarantees"),
        (login(make_user("expert")), "/expert/invitations"),
    ]
    for browser, path in pages:
        response = browser.get(path)
        assert response.status_code == (404 if path == "/no/such/page" else 200), path
        assert response.mimetype == "text/html", path
        assert inline_code(response.get_data(as_text=True)) == [], path
