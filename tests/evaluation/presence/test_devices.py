"""A venue's device token: issued by an admin (the secret shown once, only its hash kept),
revoked, and accepted by the telemetry API only, as the telemetry API accepts nothing else."""

from __future__ import annotations

import hashlib

import pytest

HEARTBEAT = "/api/telemetry/heartbeats"


@pytest.fixture
def venue(make_venue):
    return make_venue(workstations=8, code="SH-A")


def beat(clock) -> dict:
    return {"workstation": 1, "at": clock.now().isoformat()}


def test_an_admin_is_given_the_device_secret_once_and_only_its_hash_is_kept(venue, api_for, admin):
    from bidhall.db import db
    from evaluation.presence.models import VenueDevice

    api = api_for(admin)
    issued = api.post(f"/api/venues/{venue.id}/devices", json={"name": "hall AV"})
    assert issued.status_code == 201
    secret = issued.get_json()["secret"]
    assert secret.startswith("bhd_")
    listed = api.get(f"/api/venues/{venue.id}/devices").get_json()
    assert [d["name"] for d in listed] == ["hall AV"]
    assert "secret" not in listed[0]
    row = db.session.get(VenueDevice, issued.get_json()["id"])
    assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(vars(row))


@pytest.mark.parametrize("role", ["supervisor", "expert", "agency"])
def test_only_an_admin_issues_a_device_token(venue, api_for, make_user, role):
    response = api_for(make_user(role)).post(f"/api/venues/{venue.id}/devices", json={})
    assert response.status_code == 403


def test_the_venues_own_supervisor_does_not_issue_its_device_token(venue, api_for):
    from bidhall.accounts.services import get_user

    supervisor = get_user(venue.supervisor_id)
    response = api_for(supervisor).post(f"/api/venues/{venue.id}/devices", json={})
    assert response.status_code == 403


def test_a_device_token_for_an_unknown_venue_is_refused(api_for, admin):
    response = api_for(admin).post("/api/venues/999/devices", json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "venue_not_found"


def test_a_second_device_token_is_refused_while_the_first_is_active(venue, issue, api_for, admin):
    issue(venue)
    response = api_for(admin).post(f"/api/venues/{venue.id}/devices", json={})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "device_exists"


def test_a_replacing_device_token_revokes_the_first(venue, issue, client, clock):
    first = issue(venue)
    second = issue(venue, replace=True)
    assert first.post(HEARTBEAT, beat(clock)).status_code == 401
    assert second.post(HEARTBEAT, beat(clock)).status_code == 204


def test_a_device_heartbeat_is_accepted_with_no_content(venue, issue, clock):
    assert issue(venue).post(HEARTBEAT, beat(clock)).status_code == 204


def test_a_revoked_device_token_is_refused(venue, issue, api_for, admin, clock):
    device = issue(venue)
    revoked = api_for(admin).client.delete(
        f"/api/venues/{venue.id}/devices", headers=api_for(admin).headers
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["active"] is False
    response = device.post(HEARTBEAT, beat(clock))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_device_token"


def test_revoking_a_venue_without_a_device_token_is_refused(venue, api_for, admin):
    api = api_for(admin)
    response = api.client.delete(f"/api/venues/{venue.id}/devices", headers=api.headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "device_not_found"


def test_only_an_admin_revokes_a_device_token(venue, issue, api_for, make_user):
    issue(venue)
    api = api_for(make_user("supervisor"))
    response = api.client.delete(f"/api/venues/{venue.id}/devices", headers=api.headers)
    assert response.status_code == 403


@pytest.mark.parametrize("secret", ["bhd_not-a-device", "bh_not-a-user", "x"])
def test_an_unknown_bearer_secret_is_refused_on_telemetry(venue, issue, client, clock, secret):
    issue(venue)
    response = client.post(
        HEARTBEAT, json=beat(clock), headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_device_token"


def test_telemetry_without_a_bearer_token_is_refused(venue, client, clock):
    response = client.post(HEARTBEAT, json=beat(clock))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "device_token_required"


def test_a_signed_in_users_cookie_is_no_device_token(venue, client, login, admin, clock):
    response = login(admin).post(HEARTBEAT, json=beat(clock))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "device_token_required"


def test_a_users_api_token_is_refused_on_telemetry(venue, api_for, admin, clock):
    response = api_for(admin).post(HEARTBEAT, json=beat(clock))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "user_token_refused"


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/me"), ("GET", "/api/venues")])
def test_a_device_token_is_refused_on_a_users_route(venue, issue, method, path):
    device = issue(venue)
    response = device.client.open(path, method=method, headers=device.headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_device_token_does_not_issue_device_tokens(venue, issue):
    device = issue(venue)
    response = device.post(f"/api/venues/{venue.id}/devices", {"replace": True})
    assert response.status_code == 401


def test_the_command_line_prints_a_device_secret_that_the_telemetry_accepts(
    venue, runner, client, clock
):
    from evaluation.presence.cli import venue_group

    result = runner.invoke(venue_group, ["device-token", "SH-A", "--name", "hall AV"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    response = client.post(
        HEARTBEAT, json=beat(clock), headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 204


def test_the_command_line_revokes_a_venues_device_token(venue, issue, runner, clock):
    from evaluation.presence.cli import venue_group

    device = issue(venue)
    result = runner.invoke(venue_group, ["revoke-device", "SH-A"])
    assert result.exit_code == 0, result.output
    assert device.post(HEARTBEAT, beat(clock)).status_code == 401


def test_the_command_line_names_an_unknown_venue(runner):
    from evaluation.presence.cli import venue_group

    result = runner.invoke(venue_group, ["device-token", "NOPE"])
    assert result.exit_code == 2
    assert "venue_not_found" in result.output


def test_issuing_and_revoking_are_in_the_ledger(venue, issue, api_for, admin):
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    issue(venue)
    api = api_for(admin)
    api.client.delete(f"/api/venues/{venue.id}/devices", headers=api.headers)
    types = list(
        db.session.scalars(
            select(LedgerEntry.type)
            .where(LedgerEntry.type.like("venue.device_%"))
            .order_by(LedgerEntry.seq)
        )
    )
    assert types == ["venue.device_issued", "venue.device_revoked"]
