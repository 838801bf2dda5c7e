"""The training sandbox (docs/sandbox.md): an app made with SANDBOX on runs an accelerated clock
over the real one (here the test's fake clock), shows the banner on every page, and publishes,
exports, counts and mails nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bidhall import clock as clock_module
from bidhall import sandbox
from tests.fixtures.pki import ensure_holder


@pytest.fixture
def app_overrides(sandbox_overrides) -> dict:
    return sandbox_overrides


@pytest.fixture
def published(sandbox_tender):
    return sandbox_tender


def start_upload(api, tender):
    return api.post(f"/api/tenders/{tender.id}/uploads", json={"lot": 1, "size": 1000})


# --- the clock ----------------------------------------------------------------------------------


def test_the_sandbox_app_runs_the_accelerated_clock_over_the_base_clock(app, clock):
    started = clock_module.now()
    clock.advance(minutes=20)
    assert clock_module.now() - started == timedelta(days=20)


def test_a_20_day_bid_period_is_still_open_a_second_before_20_base_minutes(
    published, clock, world, api_for
):
    bidder = world.bidder()
    api = api_for(bidder)
    ensure_holder(bidder, published.id)
    clock.advance(minutes=19, seconds=59)
    assert start_upload(api, published).status_code == 201


def test_a_20_day_bid_period_ends_after_20_minutes_of_base_clock_time(
    published, clock, world, api_for
):
    bidder = world.bidder()
    api = api_for(bidder)
    ensure_holder(bidder, published.id)
    clock.advance(minutes=20)
    answer = start_upload(api, published)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "bid_deadline_passed"


def test_the_tick_reaches_the_deadline_after_20_base_minutes_not_before(published, clock, runner):
    from trading.tenders import queries

    tender_id = published.id
    clock.advance(minutes=19)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert queries.get_tender(tender_id).state.value == "published"
    clock.advance(minutes=1)
    assert runner.invoke(args=["tick"]).exit_code == 0
    # no bids came: the deadline ends the tender (as on the live platform: fewer than three)
    assert queries.get_tender(tender_id).state.value == "failed"


def test_the_sandbox_clock_goes_on_where_it_was_when_the_app_is_made_again(app, clock):
    from bidhall.shell.app import create_app

    clock.advance(minutes=3)
    before = clock_module.now()
    create_app({**app.config, "SANDBOX": True})
    assert clock_module.now() == before
    clock.advance(minutes=1)
    assert clock_module.now() == before + timedelta(days=1)


def test_a_new_factor_goes_on_from_the_sandboxs_current_time(app, clock):
    from bidhall.shell.app import create_app

    clock.advance(minutes=3)
    before = clock_module.now()
    create_app({**app.config, "SANDBOX": True, "SANDBOX_CLOCK_FACTOR": 1})
    assert clock_module.now() == before
    clock.advance(minutes=1)
    assert clock_module.now() == before + timedelta(minutes=1)


def test_the_sandbox_ticks_every_few_real_seconds(app):
    assert app.config["TICK_SECONDS"] == sandbox.MIN_TICK_SECONDS


def test_the_tick_interval_covers_the_live_interval_of_virtual_time_but_not_too_often():
    assert sandbox.tick_seconds(30, 1440) == 2
    assert sandbox.tick_seconds(30, 10) == 3
    assert sandbox.tick_seconds(30, 1) == 30


# --- the banner ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/login", 200), ("/register", 200), ("/tenders/{id}", 200), ("/nowhere", 404)],
)
def test_every_page_carries_the_training_banner(client, published, path, status):
    answer = client.get(path.format(id=published.id))
    assert answer.status_code == status
    page = answer.get_data(as_text=True)
    assert 'data-testid="sandbox-banner"' in page
    assert "Training sandbox: nothing here is real; the clock runs 1440× faster." in page


def test_the_banner_gives_the_sandboxs_virtual_date(client, clock):
    clock.advance(minutes=10)  # ten virtual days
    shown = clock_module.local(clock_module.now()).strftime("%Y-%m-%d %H:%M")
    assert f"Sandbox time: {shown}" in client.get("/").get_data(as_text=True)


def test_the_banner_speaks_chinese_on_a_chinese_page(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "培训沙盒" in page


def test_the_signed_in_pages_carry_the_banner_too(login, world):
    browser = login(world.agency)
    assert 'data-testid="sandbox-banner"' in browser.get("/").get_data(as_text=True)


# --- nothing published, exported, counted or mailed --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/ocds/releases",
        "/api/ocds/releases?after=0&limit=10",
        "/api/ocds/records/ocds-xxxxxx-T1",
        "/api/statistics",
        "/api/statistics/projects.csv",
    ],
)
def test_open_data_and_statistics_refuse_in_the_sandbox(client, path):
    answer = client.get(path)
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "sandbox"


def test_the_statistics_page_refuses_in_the_sandbox(client):
    answer = client.get("/statistics")
    assert answer.status_code == 403
    assert "publishes, exports and counts nothing" in answer.get_data(as_text=True)


def test_the_centres_statistics_refuse_a_supervisor_in_the_sandbox(world, api_for):
    answer = api_for(world.supervisor).get("/api/statistics/centre")
    assert answer.get_json()["error"]["code"] == "sandbox"


def test_the_ocds_export_command_refuses_in_the_sandbox(runner, tmp_path):
    result = runner.invoke(args=["ocds", "export", "--output", str(tmp_path / "out.json")])
    assert result.exit_code == 2
    assert "sandbox" in result.output
    assert not (tmp_path / "out.json").exists()


def test_the_archive_export_command_refuses_in_the_sandbox(runner, published, tmp_path):
    reference = published.reference
    result = runner.invoke(
        args=["archive", "export", reference, "--output", str(tmp_path / "a.zip")]
    )
    assert result.exit_code == 2
    assert "error: sandbox" in result.output


def test_a_tender_published_in_the_sandbox_records_no_ocds_release(published):
    from sqlalchemy import func, select

    from bidhall.db import db
    from trading.publication.models import PublishedRelease

    assert db.session.scalar(select(func.count()).select_from(PublishedRelease)) == 0


def test_the_sandboxs_tick_sends_no_e_mail(app, runner):
    app.config["SMTP_HOST"] = "127.0.0.1"  # would be reached, were the mail job wired in
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "messages-mail" not in json.loads(result.output)


# --- the certificates outlive the fast clock ---------------------------------------------------


def test_the_sandboxs_certificates_are_valid_after_a_real_day_of_its_clock(world, clock):
    from sqlalchemy import select

    from bidhall.clock import as_utc
    from bidhall.crypto import services as pki
    from bidhall.crypto.models import Certificate
    from bidhall.db import db

    clock.advance(days=1)  # 1440 virtual days: twice a live certificate's 730
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == world.agency.id)
    ).all()
    assert certificates
    assert all(as_utc(cert.not_after) > clock_module.now() for cert in certificates)
    issuing = pki.authority().issuing_cert.not_valid_after_utc
    assert issuing > clock_module.now()
