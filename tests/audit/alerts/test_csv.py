"""The CSV export of the alert log: the JSON list's rows, in the same order with the same values,
under the same filters; a text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io

from audit.alerts.queries import COLUMNS
from tests.audit.alerts.conftest import close_early, listed


def _csv(api, **params) -> list[dict]:
    response = api.get("/api/alerts.csv", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = csv.reader(io.StringIO(response.get_data(as_text=True), newline=""))
    header, *rows = list(reader)
    assert tuple(header) == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in rows]


def _as_text(alert: dict) -> dict:
    """A JSON row as the CSV writes it: the evidence's seqs joined by spaces, None empty."""
    values = dict(alert, seqs=" ".join(str(seq) for seq in alert["evidence"]["seqs"]))
    return {name: "" if values[name] is None else str(values[name]) for name in COLUMNS}


def test_the_csv_holds_the_json_list_row_for_row_under_the_same_filters(
    log, supervisor_api, committee
):
    first = log[0]["id"]
    note = "Revoted the same day with every member present."
    supervisor_api.post(
        f"/api/alerts/{first}/resolve", json={"resolution": "confirmed", "note": note}
    )
    for filters in ({}, {"severity": "red"}, {"state": "open"}, {"session_id": committee.id}):
        rows = _csv(supervisor_api, **filters)
        listed_rows = listed(supervisor_api, **filters)["alerts"]
        assert rows and [row["id"] for row in rows] == [str(a["id"]) for a in listed_rows]
        assert rows == [_as_text(a) for a in listed_rows], filters
    assert _csv(supervisor_api, state="resolved")[0]["note"] == note


def test_a_note_a_spreadsheet_would_run_as_a_formula_is_written_as_text(
    committee, raised, supervisor_api
):
    committee.elect(1)
    close_early(committee)
    [alert] = raised("vote.incomplete")
    note = '=HYPERLINK("http://example.com/x","click")'
    supervisor_api.post(
        f"/api/alerts/{alert['id']}/resolve", json={"resolution": "false_positive", "note": note}
    )
    assert supervisor_api.get(f"/api/alerts/{alert['id']}").get_json()["note"] == note
    [row] = _csv(supervisor_api)
    assert row["note"] == "'" + note
