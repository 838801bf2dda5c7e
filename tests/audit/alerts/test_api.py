"""The alert log's JSON API: the list, its pages and counts, one alert, and the refusal of every
bad filter or page value by name (400). The filters themselves: test_filters.py."""

from __future__ import annotations

from tests.audit.alerts.conftest import ids, listed


def test_the_list_is_every_alert_newest_first_with_its_counts_by_severity(log, supervisor_api):
    answer = listed(supervisor_api)
    assert ids(answer["alerts"]) == list(reversed(ids(log)))
    assert answer["total"] == len(log)
    assert answer["counts"] == {
        severity: sum(1 for a in log if a["severity"] == severity) for severity in ("yellow", "red")
    }


def test_pages_of_the_list_cover_it_once_with_the_counts_of_all_it_matches(log, supervisor_api):
    newest_first = list(reversed(ids(log)))
    by_offset = [listed(supervisor_api, limit=1, offset=n) for n in range(len(log) + 1)]
    by_page = [listed(supervisor_api, limit=1, page=n + 1) for n in range(len(log) + 1)]
    assert [ids(p["alerts"]) for p in by_offset] == [[i] for i in newest_first] + [[]]
    assert [ids(p["alerts"]) for p in by_page] == [[i] for i in newest_first] + [[]]
    assert {p["total"] for p in by_offset} == {len(log)}
    assert by_offset[0]["counts"] == listed(supervisor_api)["counts"]
    assert listed(supervisor_api, limit=1, page=2)["offset"] == 1


def test_one_alert_reads_as_the_list_shows_it_with_its_evidence(alert, supervisor_api):
    response = supervisor_api.get(f"/api/alerts/{alert['id']}")
    assert response.status_code == 200
    assert response.get_json() == listed(supervisor_api)["alerts"][0] == alert
    assert response.get_json()["evidence"]["seqs"]


def test_an_unknown_alert_is_not_found(app, make_user, api_for):
    api = api_for(make_user("supervisor"))
    for response in (
        api.get("/api/alerts/999999"),
        api.post("/api/alerts/999999/acknowledge"),
        api.post("/api/alerts/999999/assign", json={"assignee_id": 1}),
        api.post("/api/alerts/999999/resolve", json={"resolution": "confirmed", "note": "x"}),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "alert_not_found"


BAD = [
    # (query, the error code, a text the message names)
    ({"severity": "blue"}, "unknown_severity", "blue"),
    ({"state": "closed"}, "unknown_state", "closed"),
    ({"detector": "vote.nothing"}, "unknown_detector", "vote.nothing"),
    ({"tender_id": "abc"}, "invalid_field", "tender_id"),
    ({"session_id": "0"}, "invalid_field", "session_id"),
    ({"venue_id": "-3"}, "invalid_field", "venue_id"),
    ({"tender_id": "99999999999"}, "invalid_field", "tender_id"),
    ({"from": "yesterday"}, "invalid_field", "from"),
    ({"from": "2026-13-01"}, "invalid_field", "from"),
    ({"to": "2026-02-30"}, "invalid_field", "to"),
    ({"to": "9999-12-31"}, "invalid_field", "to"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "invalid_period", "from"),
    ({"severity": ["red", "yellow"]}, "invalid_field", "severity"),
    ({"colour": "red"}, "unknown_parameter", "colour"),
]
BAD_PAGES = [
    ({"limit": "0"}, "invalid_field", "limit"),
    ({"limit": "201"}, "invalid_field", "limit"),
    ({"limit": "ten"}, "invalid_field", "limit"),
    ({"offset": "-1"}, "invalid_field", "offset"),
    ({"page": "0"}, "invalid_field", "page"),
    ({"offset": "1", "page": "2"}, "invalid_field", "page"),
]


def _refusals(api, path: str, cases: list) -> list[str]:
    """The cases the API did not refuse as expected (400, the code, the value named)."""
    wrong = []
    for query, code, named in cases:
        response = api.get(path, query_string=query)
        error = (response.get_json() or {}).get("error", {})
        if response.status_code != 400 or error.get("code") != code:
            wrong.append(f"{query}: {response.status_code} {error}")
        elif named not in error["message"]:
            wrong.append(f"{query}: the message does not name {named}: {error['message']}")
    return wrong


def test_every_bad_filter_or_page_value_of_the_list_is_refused_by_name(app, make_user, api_for):
    assert _refusals(api_for(make_user("supervisor")), "/api/alerts", BAD + BAD_PAGES) == []


def test_every_bad_filter_of_the_export_is_refused_by_name_and_it_has_no_pages(
    app, make_user, api_for
):
    cases = BAD + [({"limit": "10"}, "unknown_parameter", "limit")]
    assert _refusals(api_for(make_user("supervisor")), "/api/alerts.csv", cases) == []
