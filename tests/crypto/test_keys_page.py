"""The holder's keys page (/account/keys): its certificates with their status, and revoking one
with a reason; nobody revokes another holder's certificate. The key file itself is made in the
browser (tests/browser/test_keys_page.py)."""

from __future__ import annotations

from bidhall.crypto import keys
from tests.fixtures.app import csrf_token

PAGE = "/account/keys"


def _revoke(browser, serial: str, reason: str = "key_compromise"):
    return browser.post(
        f"{PAGE}/{serial}/revoke", data={"reason": reason, "csrf_token": csrf_token(browser, PAGE)}
    )


def test_the_page_lists_the_holders_own_certificates_as_valid(login, enrolled, make_user):
    holder, other = enrolled("bidder"), enrolled("bidder")
    page = login(holder.user).get(PAGE)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert f'data-serial="{holder.signing.serial}"' in html
    assert f'data-serial="{holder.encryption.serial}"' in html
    assert other.signing.serial not in html
    assert 'data-testid="replaces-warning"' in html


def test_a_holder_without_certificates_is_told_to_make_a_key_file(login, make_user):
    html = login(make_user("expert")).get(PAGE).get_data(as_text=True)
    assert 'data-testid="no-certificates"' in html
    assert 'data-testid="replaces-warning"' not in html


def test_a_certificate_revoked_on_the_page_is_revoked_in_the_registry(login, enrolled, api_for):
    holder = enrolled("bidder")
    browser = login(holder.user)
    answer = _revoke(browser, holder.signing.serial)
    assert answer.status_code == 303
    [row] = [
        c
        for c in api_for(holder.user).get("/api/certificates").get_json()
        if c["serial"] == holder.signing.serial
    ]
    assert (row["status"], row["revocation_reason"]) == ("revoked", "key_compromise")
    assert "revoked" in browser.get(PAGE).get_data(as_text=True)


def test_an_unknown_reason_is_refused_and_revokes_nothing(login, enrolled, api_for):
    holder = enrolled("bidder")
    browser = login(holder.user)
    assert _revoke(browser, holder.signing.serial, reason="bored").status_code == 303
    html = browser.get(PAGE).get_data(as_text=True)
    assert "unknown revocation reason" in html
    statuses = {c["status"] for c in api_for(holder.user).get("/api/certificates").get_json()}
    assert statuses == {"active"}


def test_another_holders_certificate_cannot_be_revoked_from_the_page(login, enrolled, api_for):
    holder, other = enrolled("bidder"), enrolled("bidder")
    browser = login(holder.user)
    assert _revoke(browser, other.signing.serial).status_code == 403
    statuses = {c["status"] for c in api_for(other.user).get("/api/certificates").get_json()}
    assert statuses == {"active"}


def test_a_revoke_without_the_forms_security_token_is_refused(login, enrolled, api_for):
    holder = enrolled("bidder")
    browser = login(holder.user)
    answer = browser.post(f"{PAGE}/{holder.signing.serial}/revoke", data={"reason": "superseded"})
    assert answer.status_code == 400
    statuses = {c["status"] for c in api_for(holder.user).get("/api/certificates").get_json()}
    assert statuses == {"active"}


def test_the_page_writes_key_files_with_the_platforms_iteration_count(login, make_user):
    html = login(make_user("bidder")).get(PAGE).get_data(as_text=True)
    assert f'data-iterations="{keys.DEFAULT_ITERATIONS}"' in html
