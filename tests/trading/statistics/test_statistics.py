"""The statistics over HTTP, from data built through the services: each figure's arithmetic,
the public and the centre's tables, CSV equal to JSON row for row, and bad parameters."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bidhall.clock import local


def month(moment) -> str:
    return local(moment, "Asia/Shanghai").strftime("%Y-%m")


def table(response, name: str) -> list[dict]:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["tables"][name]["rows"]


def test_the_awarded_lot_gives_its_transaction_value_savings_and_savings_rate(contracted, client):
    [row] = table(client.get("/api/statistics"), "transactions")

    # ceiling 11,500,000.00, awarded at the lowest price 9,980,000.50
    assert row == {
        "period": month(contracted.decided_at),
        "category": "works",
        "tenders": 1,
        "lots": 1,
        "value": "9980000.50",
        "ceiling": "11500000.00",
        "savings": "1519999.50",
        "savings_rate": "13.22",  # 1,519,999.50 / 11,500,000 = 13.2173...%
        "contracts": 1,
        "contracted": "9980000.50",
    }


def test_the_opened_tender_counts_among_the_projects_of_its_openings_month(contracted, client):
    rows = table(client.get("/api/statistics"), "projects")

    assert rows == [
        {"period": month(contracted.bid_deadline), "category": "works", "tenders": 1, "failed": 0}
    ]


def test_bids_decrypted_by_their_bidders_make_the_opening_remote(contracted, client):
    [row] = table(client.get("/api/statistics"), "remote_opening")

    assert row["tenders"] == 1
    assert row["remote_tenders"] == 1
    assert row["remote_tender_share"] == "100.00"
    assert (row["bids_opened"], row["remote_bids"], row["custodian_bids"]) == (3, 3, 0)
    assert row["remote_bid_share"] == "100.00"


def test_the_e_guarantee_frees_its_amount_of_cash_beside_the_deposit(contracted, client):
    [row] = table(client.get("/api/statistics"), "security")

    assert row == {
        "period": month(contracted.bid_deadline),
        "guarantees": 1,
        "cash_freed": "200000.00",
        "deposits": 1,
        "deposit_amount": "200000.00",
        "guarantee_share": "50.00",
    }


def test_the_centre_sees_the_deposit_refunded_two_days_after_the_contract(
    contracted, api_for, make_user
):
    [row] = table(api_for(make_user("supervisor")).get("/api/statistics/centre"), "refunds")

    assert row["period"] == month(contracted.refunded_at)
    assert row["reason"] == "contract_signed"
    assert (row["refunds"], row["in_time"], row["in_time_share"]) == (1, 1, "100.00")
    assert row["amount"] == "200000.00"
    assert row["mean_days"] == "2.0"
    assert row["longest_days"] == "2.0"


def test_a_year_period_groups_by_the_year(contracted, client):
    [row] = table(client.get("/api/statistics?period=year"), "transactions")

    assert row["period"] == local(contracted.decided_at, "Asia/Shanghai").strftime("%Y")


def test_a_span_without_the_award_has_no_transaction(contracted, client):
    rows = table(client.get("/api/statistics?from=2020-01&to=2020-12"), "transactions")

    assert rows == []


def test_a_tender_still_open_for_bids_is_in_no_figure(
    make_tender, seal_bids, guarantee_for, client
):
    tender = make_tender("published")
    hall = seal_bids(tender)
    guarantee_for(tender, hall.bidders[0].user)

    response = client.get("/api/statistics")

    assert all(t["rows"] == [] for t in response.get_json()["tables"].values())


# --- who reads what -----------------------------------------------------------------------------


def test_the_public_statistics_leave_out_the_centres_tables(contracted, client):
    tables = client.get("/api/statistics").get_json()["tables"]

    assert set(tables) == {
        "projects",
        "transactions",
        "remote_opening",
        "security",
        "remote_evaluation",
    }


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_administrators_read_the_centres_tables(
    contracted, api_for, make_user, role
):
    response = api_for(make_user(role)).get("/api/statistics/centre")

    assert response.status_code == 200
    assert {"refunds", "alerts"} <= set(response.get_json()["tables"])


@pytest.mark.parametrize("path", ["/api/statistics/centre", "/api/statistics/refunds.csv"])
def test_an_anonymous_visitor_never_gets_the_centres_tables(contracted, client, path):
    response = client.get(path)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "statistics_centre_only"


@pytest.mark.parametrize("path", ["/api/statistics/centre", "/api/statistics/alerts.csv"])
def test_a_bidder_never_gets_the_centres_tables(contracted, api_for, world, path):
    response = api_for(world.bidder()).get(path)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "statistics_centre_only"


# --- CSV ----------------------------------------------------------------------------------------


def test_every_tables_csv_equals_its_json_row_for_row(contracted, api_for, make_user):
    api = api_for(make_user("supervisor"))
    data = api.get("/api/statistics/centre?period=month").get_json()

    for name, shown in data["tables"].items():
        response = api.get(f"/api/statistics/{name}.csv?period=month")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        header, *rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert header == shown["columns"]
        expected = [
            ["" if row[c] is None else str(row[c]) for c in shown["columns"]]
            for row in shown["rows"]
        ]
        assert rows == expected, name
    assert data["tables"]["transactions"]["rows"]  # the comparison compared something


def test_a_public_tables_csv_needs_no_sign_in(contracted, client):
    response = client.get("/api/statistics/transactions.csv")

    assert response.status_code == 200
    assert "9980000.50" in response.get_data(as_text=True)


def test_an_unknown_table_is_not_found(client):
    response = client.get("/api/statistics/bids.csv")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "statistics_table_not_found"


# --- bad parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("period=week", "bad_period", "period"),
        ("from=2026-13", "bad_period", "from"),
        ("from=March", "bad_period", "from"),
        ("period=year&from=2026-03", "bad_period", "from"),
        ("to=2026-02-30", "bad_period", "to"),
        ("from=2026-05&to=2026-04", "bad_period", "from"),
        ("from=1990&to=2026", "period_too_long", None),
    ],
)
def test_a_bad_parameter_is_refused_with_400(client, query, code, field):
    for path in ("/api/statistics", "/api/statistics/projects.csv"):
        response = client.get(f"{path}?{query}")

        assert response.status_code == 400, path
        error = response.get_json()["error"]
        assert error["code"] == code
        assert error["message"]
        if field:
            assert error["details"]["field"] == field


# --- the figures evaluation and audit provide -----------------------------------------------------


def test_a_committee_over_two_venues_makes_the_evaluation_remote(committee, client):
    [row] = table(client.get("/api/statistics"), "remote_evaluation")

    assert row == {
        "period": row["period"],
        "sessions": 1,
        "remote_sessions": 1,
        "remote_share": "100.00",
    }


def test_the_centre_sees_an_alert_and_how_long_it_took_to_resolve(
    committee, raised, api_for, world, clock
):
    from audit.alerts import services as alerts

    committee.elect(1)
    leader = committee.member(1)
    vote = committee.run(
        leader, "open_vote", matter="other", question="Visit the site?", options=["yes", "no"]
    )["vote"]
    committee.run(leader, "close_vote", vote=vote)  # nobody voted: vote.incomplete
    [alert] = raised("vote.incomplete")
    clock.advance(minutes=90)
    alerts.resolve(world.supervisor, alert["id"], "confirmed", "The leader was told.")

    rows = table(api_for(world.supervisor).get("/api/statistics/centre"), "alerts")

    [row] = [r for r in rows if r["severity"] == alert["severity"]]
    assert (row["raised"], row["resolved"], row["resolved_share"]) == (1, 1, "100.00")
    assert row["mean_hours"] == "1.5"
    assert row["longest_hours"] == "1.5"
    assert timedelta(minutes=90)  # the advance above


@pytest.fixture
def attended(opened, declare, api_for, clock):
    """Two members of the main venue sat from 09:30 to 12:30 (a half day: 400.00) and to 15:30
    (a full day: 800.00), 7 bids reviewed (2 beyond the 5 included, at 50.00: 100.00 each), and
    a third is still checked in (tests/evaluation/venues/test_fees.py prices the same)."""
    seated = opened
    clock.set(seated.draw.scheduled_at)
    supervisor = api_for(seated.main_supervisor)
    first, second, third = seated.members_at(seated.main)[:3]
    for expert in (first, second, third):
        assert declare(seated.draw.id, expert).status_code == 201
        response = supervisor.post(
            f"/api/draws/{seated.draw.id}/checkins",
            json={"expert_id": expert.id, "identity_confirmed": True, "phone_handed_in": True},
        )
        assert response.status_code == 201
    for expert in (first, second):
        clock.advance(hours=3)
        supervisor.post(
            f"/api/draws/{seated.draw.id}/checkouts",
            json={"expert_id": expert.id, "bids_reviewed": 7},
        )
    return seated


def test_the_centre_sees_the_experts_fees_by_the_fee_rule(attended, api_for, make_user):
    [row] = table(api_for(make_user("supervisor")).get("/api/statistics/centre"), "expert_fees")

    assert row == {
        "period": month(attended.draw.scheduled_at),
        "draws": 1,
        "experts": 2,
        "open": 1,
        "time_fees": "1200.00",
        "bid_fees": "200.00",
        "travel_fees": "0.00",
        "total": "1400.00",
    }


def test_a_refund_after_a_withdrawal_counts_for_the_centre_but_not_for_the_public(
    make_tender, seal_bids, make_user, api_for, client, clock
):
    from decimal import Decimal

    from trading.bids import services as bids
    from trading.guarantees import deposits, issuers

    tender = make_tender("published")
    seat = seal_bids(tender, bids=1).bidders[0]
    admin = make_user("admin")
    issuers.set_basic_account(admin, seat.user.organisation_id, "44201000123456780000", "B", "C")
    payment = deposits.DepositPayment(
        tender.id, 1, seat.user.organisation_id, Decimal("200000.00"), clock.now(),
        "44201000123456780000", "B", "C",
    )  # fmt: skip
    deposit_id = deposits.record_deposit(admin, payment).id
    bids.withdraw_bid(seat.user, seat.bid_id)
    api_for(admin).post(f"/api/deposits/{deposit_id}/refund", json={"bank_reference": "R-7"})

    [row] = table(api_for(make_user("supervisor")).get("/api/statistics/centre"), "refunds")

    assert (row["reason"], row["refunds"], row["in_time"]) == ("withdrawal", 1, 1)
    assert table(client.get("/api/statistics"), "security") == []
