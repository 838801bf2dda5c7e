"""The supervisors' charts of the alerts over HTTP: alerts raised by a committee's real session
over two days (two suspensions, yellow; a vote closed early, red), resolved through the alerts'
service a known time later; counted per day and detector, and the resolution times by severity.
The page gives the same figures as tables; other roles are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

NOT_SUPERVISORS = ("tenderer", "agency", "bidder", "expert", "issuer", "admin")


def local_day(moment) -> str:
    from bidhall import clock

    return clock.local(moment, "Asia/Shanghai").date().isoformat()


@pytest.fixture
def history(committee, clock, raised):
    """Day 1: a suspension (yellow, resolved 40 min later) and a vote closed early by the leader
    (red, resolved 2 h later); day 2: a suspension (yellow, resolved 20 min later)."""
    from audit.alerts import services

    supervisor, leader = committee.supervisor, committee.member(1)
    committee.elect(1)
    first_day = clock.now()
    committee.run(supervisor, "suspend", reason="A fire drill in the main venue.")
    committee.run(supervisor, "resume")
    clock.advance(minutes=10)
    number = committee.run(
        leader, "open_vote", matter="other", question="Visit the site?", options=["yes", "no"]
    )["vote"]
    committee.run(committee.member(2), "cast", vote=number, choice="yes")
    committee.run(leader, "close_vote", vote=number)
    [yellow] = raised("eval.suspended")
    [red] = raised("vote.incomplete")
    clock.advance(minutes=30)  # 40 min after the suspension
    services.resolve(supervisor, yellow["id"], "confirmed", "The drill was announced.")
    clock.advance(minutes=90)  # 2 h after the vote
    services.resolve(supervisor, red["id"], "false_positive", "Two members had left, recused.")
    clock.set(first_day + timedelta(days=1))
    committee.run(supervisor, "suspend", reason="The video link dropped.")
    committee.run(supervisor, "resume")
    second = raised("eval.suspended")[-1]
    clock.advance(minutes=20)
    services.resolve(supervisor, second["id"], "confirmed", "The link came back.")
    assert {a["detector"] for a in raised()} == {"eval.suspended", "vote.incomplete"}
    return local_day(first_day), local_day(first_day + timedelta(days=1)), supervisor


def figures(api_for, supervisor, **query) -> dict:
    response = api_for(supervisor).get("/api/supervision/trends", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_alerts_are_counted_per_day_by_severity(history, api_for):
    first, second, supervisor = history
    data = figures(api_for, supervisor, **{"from": first, "to": second})
    assert data["days"] == [
        {"day": first, "yellow": 1, "red": 1},
        {"day": second, "yellow": 1, "red": 0},
    ]
    assert data["counts"] == {"yellow": 2, "red": 1} and data["total"] == 3
    only_the_first = figures(api_for, supervisor, **{"from": first, "to": first})
    assert only_the_first["counts"] == {"yellow": 1, "red": 1}


def test_the_alerts_are_counted_by_detector_the_most_frequent_first(history, api_for):
    first, second, supervisor = history
    data = figures(api_for, supervisor, **{"from": first, "to": second})
    assert data["detectors"] == [
        {
            "detector": "eval.suspended",
            "name": "Evaluation suspended",
            "yellow": 2,
            "red": 0,
            "total": 2,
        },
        {
            "detector": "vote.incomplete",
            "name": "Vote closed before every present member voted",
            "yellow": 0,
            "red": 1,
            "total": 1,
        },
    ]


def test_the_resolution_times_are_given_by_severity(history, api_for):
    first, second, supervisor = history
    resolution = figures(api_for, supervisor, **{"from": first, "to": second})["resolution"]
    yellow, red = resolution["by_severity"]
    assert yellow == {
        "severity": "yellow",
        "resolved": 2,
        "unresolved": 0,
        "median_minutes": 30.0,  # of 40 and 20 min
        "p90_minutes": 38.0,
        "min_minutes": 20.0,
        "max_minutes": 40.0,
    }
    assert (red["resolved"], red["median_minutes"]) == (1, 120.0)
    bands = {row["band"]: (row["yellow"], row["red"]) for row in resolution["bands"]}
    assert bands == {
        "1h": (2, 0),
        "4h": (0, 1),
        "1d": (0, 0),
        "3d": (0, 0),
        "7d": (0, 0),
        "more": (0, 0),
    }


# --- without a session ----------------------------------------------------------------------------


@pytest.fixture
def early(make_hall, api_for):
    """A sealed bid's bidder asks for its keys before the opening time: a red alert."""
    hall = make_hall()
    seat = hall.bidders[0]
    response = api_for(seat.user).post(
        f"/api/tenders/{hall.id}/opening/decrypt",
        json={"cmd_id": "early-1", "bid_id": seat.bid_id, **hall.keys(seat)},
    )
    assert response.status_code == 403
    return hall


def test_the_page_gives_each_charts_figures_as_a_table(early, login, clock):
    page = login(early.supervisor).get("/supervision/trends").get_data(as_text=True)
    today = local_day(clock.now())
    assert f'data-testid="day" data-day="{today}"' in page
    assert 'data-testid="detector" data-detector="crypto.early_access"' in page
    assert 'data-testid="resolution" data-severity="red" data-median=""' in page
    assert "/static/vendor/echarts.min.js" in page


def test_an_unresolved_alert_counts_as_not_yet_resolved(early, api_for):
    data = figures(api_for, early.supervisor)
    red = data["resolution"]["by_severity"][1]
    assert (red["resolved"], red["unresolved"], red["median_minutes"]) == (0, 1, None)


def test_the_default_period_is_the_last_30_days(app, api_for, world, clock):
    data = figures(api_for, world.supervisor)
    assert data["to"] == local_day(clock.now())  # today, in the platform's time zone
    assert len(data["days"]) == 30 and data["days"][-1]["day"] == data["to"]
    assert data["detectors"] == [] and data["total"] == 0


def test_a_period_longer_than_two_years_is_refused(app, api_for, world, login):
    query = {"from": "2020-01-01", "to": "2026-03-01"}
    response = api_for(world.supervisor).get("/api/supervision/trends", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "period_too_long"
    page = login(world.supervisor).get("/supervision/trends", query_string=query)
    assert page.status_code == 400


def test_a_misspelt_filter_is_refused(app, api_for, world):
    response = api_for(world.supervisor).get("/api/supervision/trends?form=2026-03-01")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_parameter"


def test_only_supervisors_see_the_charts(app, api_for, make_user):
    for role in NOT_SUPERVISORS:
        api = api_for(make_user(role))
        for path in ("/api/supervision/trends", "/supervision/trends"):
            assert api.get(path).status_code == 403, (role, path)
