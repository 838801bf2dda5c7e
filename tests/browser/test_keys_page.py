"""A key file made in Chromium on the keys page: the keys are generated and locked in the page,
the certificates come back from the platform, and the downloaded file is a bidhall-key/1 file
that the command line's reader opens with the passphrase and finds certified to the user."""

from __future__ import annotations

from bidhall.crypto import keys
from tests.fixtures.browser import save_screenshot, sign_in

PASSPHRASE = "七个字的口令 and more"


def _make_key_file(page, passphrase: str, again: str | None = None) -> None:
    page.get_by_test_id("key-passphrase").fill(passphrase)
    page.get_by_test_id("key-passphrase-again").fill(passphrase if again is None else again)
    page.get_by_test_id("key-file-make").click()


def test_a_key_file_made_in_the_browser_opens_with_the_cli_reader(open_page, make_user, api_for):
    from playwright.sync_api import expect

    user = make_user("bidder")
    page = open_page()
    sign_in(page, user)
    page.get_by_test_id("nav-keys").click()
    expect(page.get_by_test_id("no-certificates")).to_be_visible()
    with page.expect_download(timeout=20_000) as download:
        _make_key_file(page, PASSPHRASE)
    data = open(download.value.path(), "rb").read()
    assert download.value.suggested_filename == f"bidhall-{user.username}.bhkey"
    bundle = keys.load_bundle(data, PASSPHRASE)  # checks the certificates against the keys
    issued = {c["serial"]: c for c in api_for(user).get("/api/certificates").get_json()}
    assert format(bundle.signing_cert.serial_number, "x") in issued
    assert format(bundle.encryption_cert.serial_number, "x") in issued
    assert {c["status"] for c in issued.values()} == {"active"}
    expect(page.get_by_test_id("certificate")).to_have_count(2)
    expect(page.get_by_test_id("key-passphrase")).to_have_value("")
    save_screenshot(page, "keys-made")


def test_differing_passphrases_are_refused_at_the_field_and_nothing_is_issued(
    open_page, make_user, api_for
):
    from playwright.sync_api import expect

    user = make_user("bidder")
    page = open_page()
    sign_in(page, user)
    page.goto("/account/keys")
    _make_key_file(page, PASSPHRASE, again=PASSPHRASE + "!")
    expect(page.get_by_test_id("key-passphrase-again-error")).to_have_text(
        "The two passphrases differ."
    )
    _make_key_file(page, "short")
    expect(page.get_by_test_id("key-passphrase-error")).to_contain_text("at least 8 characters")
    assert api_for(user).get("/api/certificates").get_json() == []


def test_a_second_key_file_supersedes_the_first_pair_on_a_phone(open_page, make_user, api_for):
    from playwright.sync_api import expect

    user = make_user("expert")
    page = open_page()
    sign_in(page, user)
    page.set_viewport_size({"width": 390, "height": 844})
    for _ in range(2):
        page.goto("/account/keys")
        with page.expect_download(timeout=20_000):
            _make_key_file(page, PASSPHRASE)
        expect(page.get_by_test_id("key-file-done")).to_be_visible()
    statuses = sorted(c["status"] for c in api_for(user).get("/api/certificates").get_json())
    assert statuses == ["active", "active", "revoked", "revoked"]
    expect(page.get_by_test_id("certificate")).to_have_count(4)
    save_screenshot(page, "keys-superseded-390")
