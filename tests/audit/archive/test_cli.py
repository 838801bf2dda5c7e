"""`bidhall archive export` and `bidhall archive verify` on the command line."""

from __future__ import annotations

import json

from tests.audit.archive.conftest import members, one_byte_changed, rewrite


def test_export_then_verify_with_the_pinned_root_exits_0(finished, runner, root_pem, tmp_path):
    path = tmp_path / "out" / "archive.zip"
    exported = runner.invoke(
        args=["archive", "export", str(finished.tender_id), "--output", str(path)]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["archive"] == str(path)
    root = tmp_path / "root.pem"
    root.write_text(root_pem)
    verified = runner.invoke(args=["archive", "verify", str(path), "--root", str(root)])
    assert verified.exit_code == 0, verified.output
    result = json.loads(verified.output)
    assert result["ok"] is True and result["problem"] is None
    assert result["trusted_root"]["source"] == "pinned"


def test_verify_prints_the_first_problem_and_exits_1(exported, runner):
    contents = members(exported)
    contents["evaluation/report.pdf"] = one_byte_changed(contents["evaluation/report.pdf"])
    verified = runner.invoke(args=["archive", "verify", str(rewrite(exported, contents))])
    assert verified.exit_code == 1
    problem = json.loads(verified.output)["problem"]
    assert problem["member"] == "evaluation/report.pdf"


def test_a_tender_still_open_is_not_archived(make_tender, runner, tmp_path):
    tender = make_tender("published")
    result = runner.invoke(
        args=["archive", "export", tender.reference, "--output", str(tmp_path / "a.zip")]
    )
    assert result.exit_code == 2
    assert "tender_not_finished" in result.output
    assert not (tmp_path / "a.zip").exists()


def test_exporting_is_recorded_in_the_ledger(exported):
    from sqlalchemy import select

    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.type == "archive.exported"))
    assert entry is not None and '"members":' in entry.payload
