"""A user's API tokens page (/account/tokens) and API: create with a name (the secret shown once),
list, revoke; nobody sees or revokes another user's tokens."""

from __future__ import annotations

import re

from tests.fixtures.app import csrf_token

PAGE = "/account/tokens"


def _create(browser, name: str):
    return browser.post(PAGE, data={"name": name, "csrf_token": csrf_token(browser, PAGE)})


def _secret(response) -> str:
    found = re.search(r'value="(bh_[^"]+)"', response.get_data(as_text=True))
    assert found, "the new token is not on the page"
    return found.group(1)


def _me(client, secret: str):
    return client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})


def test_a_token_created_on_the_page_is_shown_once_and_signs_its_owner_in(login, make_user, client):
    user = make_user("bidder")
    browser = login(user)
    created = _create(browser, "sealing script")
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    secret = _secret(created)
    assert _me(client, secret).get_json()["username"] == user.username
    again = browser.get(PAGE).get_data(as_text=True)
    assert "sealing script" in again and secret not in again


def test_a_token_revoked_on_the_page_no_longer_signs_in(login, make_user, client):
    browser = login(make_user("bidder"))
    secret = _secret(_create(browser, "old laptop"))
    [token] = browser.get("/api/tokens").get_json()["tokens"][:1]
    revoked = browser.post(
        f"{PAGE}/{token['id']}/revoke", data={"csrf_token": csrf_token(browser, PAGE)}
    )
    assert revoked.status_code == 302
    assert _me(client, secret).status_code == 401
    assert 'data-testid="token-state">Revoked<' in browser.get(PAGE).get_data(as_text=True)


def test_a_revoke_without_the_forms_security_token_is_refused(login, make_user, client):
    browser = login(make_user("bidder"))
    secret = _secret(_create(browser, "ci job"))
    [token] = browser.get("/api/tokens").get_json()["tokens"][:1]
    assert browser.post(f"{PAGE}/{token['id']}/revoke").status_code == 400
    assert _me(client, secret).status_code == 200


def test_a_token_needs_a_name_and_the_page_says_so_at_the_field(login, make_user):
    browser = login(make_user("bidder"))
    refused = _create(browser, "   ")
    assert refused.status_code == 400
    assert "invalid-feedback" in refused.get_data(as_text=True)
    assert browser.get("/api/tokens").get_json()["tokens"] == []


def test_a_name_longer_than_80_characters_is_refused(login, make_user):
    browser = login(make_user("bidder"))
    assert _create(browser, "x" * 81).status_code == 400


def test_the_list_shows_only_the_users_own_tokens_and_never_a_secret(login, make_user, api_for):
    from bidhall.accounts import services

    other = make_user("bidder")
    services.issue_token(other.id, "someone else's script")
    browser = login(make_user("bidder"))
    _create(browser, "mine")
    listed = browser.get("/api/tokens").get_json()["tokens"]
    assert [t["name"] for t in listed] == ["mine"]
    assert set(listed[0]) == {"id", "name", "created_at", "revoked_at"}
    assert "someone else" not in browser.get(PAGE).get_data(as_text=True)


def test_nobody_revokes_another_users_token(login, make_user, api_for, client):
    from bidhall.accounts import services

    owner = make_user("bidder")
    token, secret = services.issue_token(owner.id, "owner's script")
    intruder = api_for(make_user("bidder"))
    refused = intruder.post(f"/api/tokens/{token.id}/revoke")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert _me(client, secret).status_code == 200


def test_a_token_revoked_through_the_api_answers_with_its_time(make_user, api_for, client):
    from bidhall.accounts import services

    user = make_user("bidder")
    token, secret = services.issue_token(user.id, "nightly export")
    answer = api_for(user).post(f"/api/tokens/{token.id}/revoke")
    assert answer.status_code == 200 and answer.get_json()["revoked_at"] is not None
    assert _me(client, secret).status_code == 401


def test_revoking_a_token_twice_is_a_conflict(make_user, api_for):
    from bidhall.accounts import services

    user = make_user("bidder")
    token, _secret = services.issue_token(user.id, "twice")
    api = api_for(user)
    api.post(f"/api/tokens/{token.id}/revoke")
    again = api.post(f"/api/tokens/{token.id}/revoke")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "token_revoked"


def test_revoking_an_unknown_token_is_not_found(make_user, api_for):
    answer = api_for(make_user("bidder")).post("/api/tokens/999999/revoke")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "token_not_found"


def test_the_page_refuses_to_revoke_another_users_token(login, make_user, client):
    from bidhall.accounts import services

    token, secret = services.issue_token(make_user("bidder").id, "owner's script")
    browser = login(make_user("bidder"))
    refused = browser.post(
        f"{PAGE}/{token.id}/revoke", data={"csrf_token": csrf_token(browser, PAGE)}
    )
    assert refused.status_code == 403
    assert _me(client, secret).status_code == 200
