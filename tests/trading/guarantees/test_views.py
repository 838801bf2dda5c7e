"""Every route of the guarantee API and the issuer's page admits only its roles; the issuer's
page takes a pasted or uploaded signed guarantee."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.app import csrf_token
from tests.trading.guarantees.conftest import document, fresh, read_out, signed
from trading.guarantees import issuers
from trading.guarantees.models import Guarantee

# --- role checks --------------------------------------------------------------------------------


@pytest.fixture
def routes(secured_bid, issuer, clock):
    tender, _, guarantee_id, deposit_id = secured_bid
    read_out(tender, clock)  # from when the managers and supervisors may see the guarantees
    entry = issuers.issuer_of(issuer.org_id)
    org = fresh(Guarantee, guarantee_id).applicant_organisation_id
    return {
        ("POST", "/api/issuers"): {"admin"},
        ("POST", f"/api/issuers/{entry.id}/status"): {"admin"},
        ("PUT", f"/api/organisations/{org}/basic-account"): {"admin"},
        ("POST", "/api/guarantees"): {"issuer"},
        ("GET", "/api/guarantees"): {"issuer", "supervisor", "admin"},
        ("GET", f"/api/guarantees/{guarantee_id}"): {
            "issuer",
            "bidder",
            "supervisor",
            "admin",
            "agency",
            "tenderer",
        },
        ("POST", f"/api/guarantees/{guarantee_id}/claims"): {"agency", "tenderer"},
        ("POST", f"/api/guarantees/{guarantee_id}/release"): {"admin"},
        ("GET", f"/api/guarantees/{guarantee_id}/notices"): {
            "issuer",
            "bidder",
            "supervisor",
            "admin",
            "agency",
            "tenderer",
        },
        ("GET", f"/api/tenders/{tender.id}/guarantee"): {"bidder"},
        ("GET", f"/api/tenders/{tender.id}/guarantees/summary"): {
            "agency",
            "tenderer",
            "supervisor",
        },
        ("POST", "/api/deposits"): {"admin"},
        ("GET", "/api/deposits"): {"admin", "supervisor"},
        ("POST", f"/api/deposits/{deposit_id}/refund"): {"admin"},
        ("POST", f"/api/deposits/{deposit_id}/forfeit"): {"agency", "tenderer"},
        ("GET", "/api/finance/due"): {"admin"},
        ("GET", "/issuer/guarantees"): {"issuer"},
        ("POST", "/issuer/guarantees"): {"issuer"},
    }


def test_each_route_admits_only_its_roles(routes, world, bidder, issuer, admin, make_user, api_for):
    users = {
        "agency": world.agency,
        "tenderer": world.tenderer,
        "supervisor": world.supervisor,
        "bidder": bidder.user,
        "issuer": issuer.user,
        "admin": admin,
        "expert": make_user("expert"),
    }
    clients = {name: api_for(user) for name, user in users.items()}
    wrong = []
    for (method, url), allowed in routes.items():
        for name, api in clients.items():
            response = api.client.open(
                url, method=method, headers=api.headers, json={} if method != "GET" else None
            )
            admitted = response.status_code not in (401, 403, 404)
            if admitted != (name in allowed):
                wrong.append(f"{method} {url} as {name}: {response.status_code}")
    assert wrong == []


def test_an_anonymous_caller_is_asked_to_sign_in(routes, client):
    # with a valid CSRF token, so that only authentication can refuse it
    headers = {"Accept": "application/json", "X-CSRFToken": csrf_token(client, "/login")}
    for method, url in routes:
        response = client.open(
            url, method=method, headers=headers, json={} if method != "GET" else None
        )
        assert response.status_code == 401, (method, url, response.status_code)


# --- the issuer's page --------------------------------------------------------------------------


def test_the_issuer_pastes_a_signed_guarantee_on_its_page(issuer, tender, bidder, login):
    browser = login(issuer.user)
    page = browser.get("/issuer/guarantees")
    assert page.status_code == 200
    assert issuer.org_name in page.get_data(as_text=True)
    submission = signed(document(tender, issuer, bidder.org_id), issuer)
    answer = browser.post(
        "/issuer/guarantees",
        data={
            "csrf_token": csrf_token(browser, "/issuer/guarantees"),
            "document": json.dumps(submission, ensure_ascii=False),
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    listed = browser.get("/issuer/guarantees").get_data(as_text=True)
    assert submission["document"]["number"] in listed
    assert 'data-testid="guarantee-state"' in listed


def test_the_issuer_uploads_a_signed_file_and_sees_a_refusal_with_its_code(
    issuer, tender, bidder, login
):
    import io

    browser = login(issuer.user)
    submission = signed(document(tender, issuer, bidder.org_id, amount="1.00"), issuer)
    answer = browser.post(
        "/issuer/guarantees",
        data={
            "csrf_token": csrf_token(browser, "/issuer/guarantees"),
            "file": (io.BytesIO(json.dumps(submission).encode()), "guarantee.json"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert "amount_too_low" in answer.get_data(as_text=True)
    broken = browser.post(
        "/issuer/guarantees",
        data={"csrf_token": csrf_token(browser, "/issuer/guarantees"), "document": "{not json"},
    )
    assert broken.status_code == 400
