"""Alerts name seats, bids and bidders: every role but the supervisors' is refused the API and
the pages, the committee's own members and the tender's own bidders among them, and nothing of
an alert leaks into the refusal."""

from __future__ import annotations

import pytest

from tests.fixtures.app import csrf_token


@pytest.fixture
def others(committee, world, make_user):
    """Everyone but a supervisor, each close to the alert: the session's leader and the tender's
    bidder, its agency and tenderer; an issuer and the platform's admin."""
    return {
        "expert": committee.member(1),
        "bidder": committee.seated.hall.bidders[0].user,
        "agency": world.agency,
        "tenderer": world.tenderer,
        "issuer": make_user("issuer"),
        "admin": make_user("admin"),
    }


def _api_calls(alert_id: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", "/api/alerts", None),
        ("GET", "/api/alerts.csv", None),
        ("GET", f"/api/alerts/{alert_id}", None),
        ("POST", f"/api/alerts/{alert_id}/acknowledge", None),
        ("POST", f"/api/alerts/{alert_id}/assign", {"assignee_id": 1}),
        ("POST", f"/api/alerts/{alert_id}/resolve", {"resolution": "confirmed", "note": "x"}),
    ]


def test_no_other_role_reaches_the_alerts_api(alert, others, api_for, client, supervisor_api):
    wrong = []
    callers = {name: api_for(user) for name, user in others.items()}
    # the anonymous caller carries a valid CSRF token: only authorization refuses it
    anonymous = {"X-CSRFToken": csrf_token(client, "/login")}
    for method, path, body in _api_calls(alert["id"]):
        for name, api in [*callers.items(), ("anonymous", None)]:
            if api is None:
                response = client.open(path, method=method, json=body, headers=anonymous)
                expected = 401
            else:
                response = api.client.open(path, method=method, json=body, headers=api.headers)
                expected = 403
            text = response.get_data(as_text=True)
            if response.status_code != expected or alert["summary"] in text:
                wrong.append(f"{method} {path} as {name}: {response.status_code}")
            elif not response.is_json:
                wrong.append(f"{method} {path} as {name}: not JSON")
    assert wrong == []
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json() == alert


def test_no_other_role_reaches_the_alert_pages(alert, others, login, client, supervisor_api):
    pages = ["/supervision/alerts", f"/supervision/alerts/{alert['id']}"]
    actions = [
        (f"/supervision/alerts/{alert['id']}/{action}", data)
        for action, data in (
            ("acknowledge", {}),
            ("assign", {"assignee_id": "1"}),
            ("resolve", {"resolution": "confirmed", "note": "x"}),
        )
    ]
    wrong = []
    for name, user in others.items():
        browser = login(user)
        token = csrf_token(browser, "/")
        responses = [browser.get(page) for page in pages]
        responses += [
            browser.post(path, data=dict(data, csrf_token=token)) for path, data in actions
        ]
        for response in responses:
            text = response.get_data(as_text=True)
            if response.status_code != 403 or alert["summary"] in text:
                wrong.append(f"{response.request.path} as {name}: {response.status_code}")
            elif "<html" not in text:
                wrong.append(f"{response.request.path} as {name}: not the error page")
    for page in pages:  # anonymous: to the sign-in page
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert wrong == []
    # the refusal in the reader's language
    chinese = login(others["bidder"]).get(pages[1], headers={"Accept-Language": "zh"})
    assert "您没有执行此操作的权限。" in chinese.get_data(as_text=True)
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json() == alert
