"""The issuer registry: registration by the administrator, one entry per issuer organisation,
the known kinds."""

from __future__ import annotations

from tests.trading.guarantees.conftest import refused

# --- the issuer registry ------------------------------------------------------------------------


def test_the_administrator_registers_an_issuer_and_everyone_can_read_the_registry(
    make_org, admin, api_for, client
):
    org = make_org("issuer", "平安保险 深圳分公司")
    answer = api_for(admin).post(
        "/api/issuers",
        json={"organisation_id": org.id, "kind": "insurer", "licence_number": "INS-4403-01"},
    )
    assert answer.status_code == 201, answer.get_json()
    listed = client.get("/api/issuers").get_json()
    assert [(e["name"], e["kind"], e["status"]) for e in listed] == [
        ("平安保险 深圳分公司", "insurer", "active")
    ]


def test_only_issuer_organisations_are_registered_and_only_once(make_org, admin, api_for):
    api = api_for(admin)
    bidder_org = make_org("bidder")
    refused(
        api.post(
            "/api/issuers",
            json={"organisation_id": bidder_org.id, "kind": "bank", "licence_number": "X"},
        ),
        400,
        "invalid_issuer_organisation",
    )
    org = make_org("issuer")
    body = {"organisation_id": org.id, "kind": "bank", "licence_number": "B-1"}
    assert api.post("/api/issuers", json=body).status_code == 201
    refused(api.post("/api/issuers", json=body), 409, "issuer_exists")


def test_an_unknown_issuer_kind_is_refused(make_org, admin, api_for):
    org = make_org("issuer")
    refused(
        api_for(admin).post(
            "/api/issuers",
            json={"organisation_id": org.id, "kind": "pawnshop", "licence_number": "P-1"},
        ),
        400,
        "invalid_issuer_kind",
    )
