"""Password logins are throttled by source, never for a whole account: a rival who knows a
bidder's user name can slow down only its own address, not lock the bidder out before a
deadline. Tests pick the address with ``environ_base={"REMOTE_ADDR": ...}``."""

from __future__ import annotations

import threading

import pytest

from bidhall.accounts import services
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import PASSWORD

RIVAL = "10.0.0.66"
OWNER = "10.0.0.2"
WRONG = "wrong-password-1"


def login_form(client, username, password, address):
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(client, "/login"),
        },
        environ_base={"REMOTE_ADDR": address},
    )


def ask_token(client, username, password, address):
    return client.post(
        "/api/tokens",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_rival_failing_from_another_address_does_not_lock_the_owner_out(app, make_user):
    owner = make_user("bidder")
    rival = app.test_client()
    for _ in range(5):
        assert login_form(rival, owner.username, WRONG, RIVAL).status_code == 401
    assert login_form(rival, owner.username, WRONG, RIVAL).status_code == 429
    assert ask_token(rival, owner.username, WRONG, RIVAL).status_code == 429

    assert login_form(app.test_client(), owner.username, PASSWORD, OWNER).status_code == 302
    assert ask_token(app.test_client(), owner.username, PASSWORD, OWNER).status_code == 201


def test_one_source_retrying_one_account_waits_longer_after_each_failure(client, make_user, clock):
    user = make_user("bidder")
    for _ in range(5):
        assert ask_token(client, user.username, WRONG, RIVAL).status_code == 401
    for delay in (2, 4, 8, 16, 32, 64, 128, 256):
        refused = ask_token(client, user.username, WRONG, RIVAL)
        assert refused.status_code == 429
        assert refused.get_json()["error"]["details"]["retry_after_seconds"] == delay
        clock.advance(seconds=delay - 1)
        assert ask_token(client, user.username, WRONG, RIVAL).status_code == 429
        clock.advance(seconds=1)
        assert ask_token(client, user.username, WRONG, RIVAL).status_code == 401
    capped = ask_token(client, user.username, WRONG, RIVAL)
    assert capped.get_json()["error"]["details"]["retry_after_seconds"] == 300  # not 512


def test_the_right_password_after_the_delay_signs_in_and_starts_afresh(client, make_user, clock):
    user = make_user("bidder")
    for _ in range(5):
        login_form(client, user.username, WRONG, OWNER)
    assert login_form(client, user.username, PASSWORD, OWNER).status_code == 429
    clock.advance(seconds=2)
    assert login_form(client, user.username, PASSWORD, OWNER).status_code == 302
    client.post("/logout")
    assert login_form(client, user.username, WRONG, OWNER).status_code == 401
    assert login_form(client, user.username, PASSWORD, OWNER).status_code == 302


def test_a_source_trying_many_accounts_is_refused_for_the_window(app, make_user, clock):
    owner = make_user("bidder")
    sprayer = app.test_client()
    for n in range(20):
        assert login_form(sprayer, f"bidder-guess-{n}", WRONG, RIVAL).status_code == 401
    refused = login_form(sprayer, owner.username, PASSWORD, RIVAL)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(15 * 60)
    assert login_form(app.test_client(), owner.username, PASSWORD, OWNER).status_code == 302

    clock.advance(minutes=15, seconds=1)
    assert login_form(sprayer, owner.username, PASSWORD, RIVAL).status_code == 302


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_each_forwarded_client_is_its_own_source(app, make_user):
    owner = make_user("bidder")

    def through_proxy(username, password, client_address):
        return app.test_client().post(
            "/api/tokens",
            json={"username": username, "password": password},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # the proxy
            headers={"X-Forwarded-For": client_address},
        )

    for n in range(20):
        assert through_proxy(f"bidder-guess-{n}", WRONG, RIVAL).status_code == 401
    assert through_proxy(owner.username, WRONG, RIVAL).status_code == 429
    # the proxy's own address is not the source: the owner, behind the same proxy, gets in
    assert through_proxy(owner.username, PASSWORD, OWNER).status_code == 201


def test_the_token_endpoint_is_limited_per_source(client, make_user, clock):
    user = make_user("bidder")
    for n in range(20):
        assert ask_token(client, f"bidder-guess-{n}", WRONG, RIVAL).status_code == 401
    refused = ask_token(client, user.username, PASSWORD, RIVAL)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_attempts"
    assert error["message"] == "too many failed logins: try again in 15 minutes"
    assert error["details"]["retry_after_seconds"] == 15 * 60
    assert refused.headers["Retry-After"] == str(15 * 60)
    assert ask_token(client, user.username, PASSWORD, OWNER).status_code == 201


def test_a_refused_login_page_says_when_to_retry(client, make_user):
    user = make_user("bidder")
    for _ in range(5):
        login_form(client, user.username, WRONG, RIVAL)
    refused = login_form(client, user.username, PASSWORD, RIVAL)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert "try again in 2 seconds" in refused.get_data(as_text=True)


def test_addresses_of_one_ipv6_network_count_as_one_source(client, make_user):
    user = make_user("bidder")
    for n in range(20):
        address = f"2001:db8:5:6::{n + 1:x}"
        assert ask_token(client, f"bidder-guess-{n}", WRONG, address).status_code == 401
    assert ask_token(client, user.username, PASSWORD, "2001:db8:5:6::ffff").status_code == 429
    assert ask_token(client, user.username, PASSWORD, "2001:db8:5:7::1").status_code == 201


@pytest.fixture
def three_failures_per_source(app):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    services.configure(app.config)
    yield
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 20
    services.configure(app.config)


def test_parallel_guesses_from_one_source_cannot_outrun_the_count(
    app, make_user, three_failures_per_source
):
    make_user("bidder")
    guesses = 12
    start = threading.Barrier(guesses)
    statuses: list[int] = []

    def guess(n: int) -> None:
        client = app.test_client()
        start.wait()
        statuses.append(ask_token(client, f"bidder-guess-{n}", WRONG, RIVAL).status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 3 + [429] * (guesses - 3)
