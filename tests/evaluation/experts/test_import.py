"""The expert CSV import: every row or none, each bad row reported with its line and reason."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bidhall.db import db
from tests.fixtures.experts import csv_bytes


def expert_count() -> int:
    from evaluation.experts.models import Expert

    return db.session.scalar(select(func.count()).select_from(Expert))


@pytest.fixture
def pools(make_pool):
    make_pool("310000")
    make_pool("320000")


def test_a_valid_file_imports_every_expert_with_its_details(
    pools, expert_row, make_org, runner, tmp_path
):
    from evaluation.experts.models import Expert

    employer = make_org("bidder")
    rows = [
        expert_row(
            specialties="A0101;B02",
            employer_organisation_id=employer.id,
            relations=f"former_employer:{employer.id};relative:{employer.id}:Li Hua",
            unavailable="2026-03-10/2026-03-12",
            credit_score=88,
        )[1],
        expert_row(region="320000")[1],
    ]
    path = tmp_path / "experts.csv"
    path.write_bytes(csv_bytes(rows))
    result = runner.invoke(args=["experts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["imported"] == 2
    first = db.session.scalar(select(Expert).where(Expert.id_number == rows[0]["id_number"]))
    assert [s.code for s in first.specialties] == ["A0101", "B02"]
    assert first.employer_organisation_id == employer.id and first.credit_score == 88


def test_any_invalid_row_imports_nothing_and_reports_every_bad_row(
    pools, expert_row, make_user, runner, tmp_path
):
    good = expert_row()[1]
    bidder = make_user("bidder")
    rows = [
        good,
        expert_row(region="999999")[1],  # line 3
        expert_row(id_number=good["id_number"])[1],  # line 4
        expert_row(specialties="A1;a01")[1],  # line 5
        expert_row(name="")[1],  # line 6
        {**expert_row()[1], "username": bidder.username},  # line 7
        expert_row(relations="cousin:1", unavailable="2026-03-12/2026-03-10")[1],  # line 8
        expert_row(employer_organisation_id=999999)[1],  # line 9
        expert_row(id_number="12345")[1],  # line 10
    ]
    path = tmp_path / "experts.csv"
    path.write_bytes(csv_bytes(rows))
    result = runner.invoke(args=["experts", "import", str(path)])
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["code"] == "import_rejected"
    reasons = {row["line"]: " | ".join(row["errors"]) for row in error["details"]["rows"]}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "unknown region '999999'" in reasons[3]
    assert "duplicate id_number" in reasons[4] and "line 2" in reasons[4]
    assert "'A1'" in reasons[5] and "'A01'" not in reasons[5]  # codes are upper-cased
    assert "name is missing" in reasons[6]
    assert "does not have the expert role" in reasons[7]
    assert "relation 'cousin:1'" in reasons[8] and "ends before it starts" in reasons[8]
    assert "no organisation 999999" in reasons[9]
    assert "not 17 digits" in reasons[10]
    assert expert_count() == 0


def test_the_api_import_is_admin_only_and_answers_422_with_the_rows(
    pools, expert_row, make_user, api_for
):
    admin, agency = api_for(make_user("admin")), api_for(make_user("agency"))
    bad = csv_bytes([expert_row()[1], expert_row(region="")[1]])
    response = admin.post("/api/experts/import", data=bad, content_type="text/csv")
    assert response.status_code == 422
    rows = response.get_json()["error"]["details"]["rows"]
    assert rows == [{"line": 3, "errors": ["region is missing"]}]
    assert expert_count() == 0
    good = csv_bytes([expert_row()[1], expert_row()[1]])
    response = admin.post("/api/experts/import", data=good, content_type="text/csv")
    assert response.status_code == 201 and response.get_json() == {"imported": 2}
    again = admin.post("/api/experts/import", data=good, content_type="text/csv")
    assert again.status_code == 422
    assert "already in the pool" in again.get_data(as_text=True)
    refused = agency.post("/api/experts/import", data=good, content_type="text/csv")
    assert refused.status_code == 403


def test_a_file_without_the_required_columns_is_refused(runner, tmp_path, pools):
    path = tmp_path / "experts.csv"
    path.write_text("id_number,name\n310101199001010011,Zhang San\n")
    result = runner.invoke(args=["experts", "import", str(path)])
    assert result.exit_code == 2
    assert "username" in result.output and expert_count() == 0
