"""Self-service registration through the pages: a company registers itself and its first user,
an administrator approves (the bidder and its user are created, the user signs in) or rejects
with a reason; bad input is shown at its field; the REGISTRATION setting can close it."""

from __future__ import annotations

import html

import pytest

from bidhall.accounts import rules
from tests.fixtures.app import csrf_token

PASSWORD = "correct horse 42"


def credit_code(body: str = "91330100MA27U1234") -> str:
    return body + rules.credit_code_check(body)


def form(token: str, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": token,
        "organisation_name": "Jiangcheng Builders Ltd",
        "credit_code": credit_code(),
        "contact_name": "Zhou Ping",
        "email": "bids@jiangcheng.example",
        "username": "jiangcheng",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(changes)
    return data


def register(client, **changes: str):
    return client.post("/register", data=form(csrf_token(client, "/register"), **changes))


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


@pytest.fixture
def admin_browser(login, make_user):
    return login(make_user("admin"))


def pending_id(admin_browser) -> int:
    import re

    found = re.search(
        r"/admin/registrations/(\d+)/approve", page(admin_browser.get("/admin/registrations"))
    )
    return int(found.group(1))


def test_the_credit_code_check_character_follows_gb_32100():
    assert rules.check_credit_code("91350100m000100y43") == "91350100M000100Y43"


def test_a_registered_company_signs_in_once_an_administrator_approves_it(client, admin_browser):
    response = register(client)
    refused = sign_in(client, "jiangcheng")
    registration = pending_id(admin_browser)

    approved = admin_browser.post(
        f"/admin/registrations/{registration}/approve",
        data={"csrf_token": csrf_token(admin_browser, "/admin/registrations")},
    )

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "wrong username or password" in page(refused)
    assert approved.status_code == 302
    assert sign_in(client, "jiangcheng").status_code == 302
    me = client.get("/api/me").get_json()
    assert me["role"] == "bidder"


def test_the_administrators_hear_of_a_registration_waiting(client, admin_browser):
    register(client)

    [message] = admin_browser.get("/api/messages").get_json()["messages"]

    assert message["text"] == "Jiangcheng Builders Ltd registered and awaits your approval."
    assert message["link"] == "/admin/registrations"


def test_a_rejected_registration_gives_no_account_and_keeps_its_reason(client, admin_browser):
    register(client)
    registration = pending_id(admin_browser)

    admin_browser.post(
        f"/admin/registrations/{registration}/reject",
        data={
            "csrf_token": csrf_token(admin_browser, "/admin/registrations"),
            "reason": "The licence does not match the name.",
        },
    )

    assert "wrong username or password" in page(sign_in(client, "jiangcheng"))
    assert "The licence does not match the name." in page(admin_browser.get("/admin/registrations"))


def test_a_decided_registration_cannot_be_decided_again(client, admin_browser):
    register(client)
    registration = pending_id(admin_browser)
    token = csrf_token(admin_browser, "/admin/registrations")
    admin_browser.post(f"/admin/registrations/{registration}/approve", data={"csrf_token": token})

    again = admin_browser.post(
        f"/admin/registrations/{registration}/reject", data={"csrf_token": token, "reason": "x"}
    )

    assert again.status_code == 409


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credit_code": "91330100MA27U12340"}, "credit_code"),
        ({"credit_code": "91330100MA27U123"}, "credit_code"),
        ({"email": "bids at jiangcheng"}, "email"),
        ({"username": "a b"}, "username"),
        ({"password": "short", "confirm": "short"}, "password"),
        ({"confirm": "another password 1"}, "confirm"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_kept(client, admin_browser, changes, field):
    response = register(client, **changes)

    assert response.status_code in (400, 409, 422)
    body = page(response)
    assert f'id="{field}"' in body
    assert body.split(f'id="{field}"')[0].rsplit("<input", 1)[1].count("is-invalid") == 1
    assert 'data-testid="no-registrations"' in page(admin_browser.get("/admin/registrations"))


def test_a_username_taken_is_refused_at_its_field(client, make_user):
    taken = make_user("bidder")

    response = register(client, username=taken.username)

    assert response.status_code == 409
    assert body_has_invalid(page(response), "username")


def test_a_second_registration_of_the_same_company_is_refused(client):
    register(client)

    response = register(client, username="jiangcheng2", organisation_name="Jiangcheng 2")

    assert response.status_code == 409
    assert body_has_invalid(page(response), "credit_code")


def body_has_invalid(body: str, field: str) -> bool:
    return body.split(f'id="{field}"')[0].rsplit("<input", 1)[1].count("is-invalid") == 1


class TestClosedRegistration:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"REGISTRATION": "admin"}

    def test_the_page_says_to_contact_the_centre_and_a_post_is_refused(self, client):
        shown = page(client.get("/register"))
        response = register(client)

        assert 'data-testid="registration-closed"' in shown
        assert response.status_code == 403


def _company(n: int) -> dict[str, str]:
    return {
        "organisation_name": f"Builder {n} Ltd",
        "credit_code": credit_code(f"91330100MA27U12{n:02d}"),
        "username": f"builder{n}",
    }


@pytest.mark.parametrize(
    "app_overrides", [{"REGISTRATION_MAX_PER_SOURCE": 2, "REGISTRATION_WINDOW_MINUTES": 60}]
)
def test_a_network_that_registered_too_often_waits_for_the_window_to_pass(client, clock):
    assert register(client, **_company(1)).status_code == 302
    clock.advance(minutes=10)
    assert register(client, **_company(2)).status_code == 302

    refused = register(client, **_company(3))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(50 * 60)  # when the first one leaves the window
    assert "too many registrations from this network" in page(refused)

    clock.advance(minutes=50, seconds=1)
    assert register(client, **_company(3)).status_code == 302


@pytest.mark.parametrize("app_overrides", [{"REGISTRATION_MAX_PER_SOURCE": 1}])
def test_refused_registrations_do_not_count_against_the_network(client):
    assert register(client, credit_code="91330100MA27U12340").status_code == 400
    assert register(client, **_company(1)).status_code == 302
