"""Accounts: registration, password login with throttling, API tokens, the admin CLI."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bidhall.accounts.models import User
from bidhall.db import db
from tests.fixtures.app import csrf_token
from tests.fixtures.factories import PASSWORD


def login_form(client, username, password):
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(client, "/login"),
        },
    )


def test_a_user_signs_in_with_the_right_password(client, make_user):
    user = make_user("agency")
    response = login_form(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.get("/api/me").get_json()["username"] == user.username


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user):
    user = make_user("agency")
    response = login_form(client, user.username, "not-the-password-1")
    assert response.status_code == 401
    assert "wrong username or password" in response.get_data(as_text=True)
    unknown = login_form(client, "nobody-here", "not-the-password-1")
    assert "wrong username or password" in unknown.get_data(as_text=True)


def test_a_login_without_the_csrf_token_is_refused(client, make_user):
    user = make_user("agency")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_throttling_by_address_stops_guessing_across_usernames(client, make_user, app):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    from bidhall.accounts import services

    services.configure(app.config)
    user = make_user("agency")
    for name in ("alice-x", "bob-x", "carol-x"):
        login_form(client, name, "wrong-password-1")
    assert login_form(client, user.username, PASSWORD).status_code == 429


def test_the_next_parameter_never_redirects_off_site(client, make_user):
    user = make_user("agency")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_passwords_are_stored_as_argon2_hashes(make_user):
    user = make_user("bidder")
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_weak_password_is_refused(make_org, app):
    from bidhall.accounts import services
    from bidhall.errors import InvalidInput

    org = make_org("bidder")
    with pytest.raises(InvalidInput) as refused:
        services.create_user("system:test", "weakling", "12345678901", "bidder", org.id)
    assert refused.value.code == "weak_password"


def test_a_user_must_belong_to_an_organisation_of_its_role(make_org, app):
    from bidhall.accounts import services
    from bidhall.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.create_user(
            "system:test", "mismatch", PASSWORD, "supervisor", make_org("bidder").id
        )
    assert refused.value.code == "role_organisation_mismatch"


def test_a_password_exchanges_for_an_api_token_that_authenticates(client, make_user):
    user = make_user("bidder")
    issued = client.post("/api/tokens", json={"username": user.username, "password": PASSWORD})
    assert issued.status_code == 201
    token = issued.get_json()["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["role"] == "bidder"


def test_an_unknown_token_is_refused(client):
    response = client.get("/api/me", headers={"Authorization": "Bearer bh_nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_revoked_token_no_longer_authenticates(client, make_user):
    from bidhall.accounts import services

    user = make_user("bidder")
    token, secret = services.issue_token(user.id, "script")
    services.revoke_token(user, token.id)
    response = client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_only_the_hash_of_a_token_is_stored(make_user):
    from bidhall.accounts import services
    from bidhall.accounts.models import ApiToken

    user = make_user("bidder")
    _token, secret = services.issue_token(user.id, "script")
    stored = db.session.scalars(select(ApiToken)).one()
    assert secret not in stored.token_sha256


def test_an_admin_registers_organisations_and_users_through_the_api(make_user, api_for):
    admin = api_for(make_user("admin"))
    org = admin.post("/api/organisations", json={"name": "Huadong Construction", "kind": "bidder"})
    assert org.status_code == 201
    user = admin.post(
        "/api/users",
        json={
            "username": "hd-bidder",
            "password": PASSWORD,
            "role": "bidder",
            "organisation_id": org.get_json()["id"],
        },
    )
    assert user.status_code == 201


def test_a_duplicate_organisation_is_refused(make_user, api_for):
    admin = api_for(make_user("admin"))
    admin.post("/api/organisations", json={"name": "Huadong", "kind": "bidder"})
    again = admin.post("/api/organisations", json={"name": "Huadong", "kind": "bidder"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "organisation_exists"


def test_users_create_command_registers_a_user_and_its_organisation(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "ops-admin",
            "--role",
            "admin",
            "--organisation",
            "Trading Centre",
            "--create-org",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["role"] == "admin"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_users_create_command_reports_a_bad_role_without_a_traceback(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "someone",
            "--role",
            "emperor",
            "--organisation",
            "Nowhere",
            "--create-org",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 2
    assert "invalid_role" in result.output
    assert "Traceback" not in result.output


def test_users_token_command_prints_a_working_token(runner, make_user, client):
    user = make_user("agency")
    result = runner.invoke(args=["users", "token", user.username])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_failed_login_never_logs_the_password(client, make_user, caplog):
    user = make_user("agency")
    with caplog.at_level("DEBUG"):
        login_form(client, user.username, "secret-guess-123")
    assert "secret-guess-123" not in caplog.text


def test_login_window_is_a_sliding_window(client, make_user, clock):
    user = make_user("agency")
    for _ in range(4):
        login_form(client, user.username, "wrong-password-1")
    clock.advance(minutes=16)
    login_form(client, user.username, "wrong-password-1")
    assert login_form(client, user.username, PASSWORD).status_code == 302
    assert timedelta(minutes=16)
