"""`bidhall report verify REPORT.pdf [--root ROOT.pem]`: each check printed, exit 0 when all
pass, 1 when one fails, 2 when the input cannot be used."""

from __future__ import annotations

import json

from click.testing import CliRunner

from evaluation.reports.cli import report_group


def verify(tmp_path, data: bytes, root: str | None):
    (tmp_path / "report.pdf").write_bytes(data)
    args = ["verify", str(tmp_path / "report.pdf")]
    if root is not None:
        (tmp_path / "root.pem").write_text(root)
        args += ["--root", str(tmp_path / "root.pem")]
    return CliRunner().invoke(report_group, args)


def test_a_sealed_report_verifies_with_exit_0(signed_report, offline_ca, tmp_path):
    result = verify(tmp_path, signed_report.pdf, offline_ca.root_pem)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["ok"] is True
    assert printed["tender"] == "SH-2026-0042"
    assert {"check": "member.5", "ok": True}.items() <= printed["checks"][-1].items()


def test_a_tampered_report_exits_1_naming_the_failed_check(signed_report, offline_ca, tmp_path):
    at = signed_report.pdf.index(b"ReportLab")
    changed = signed_report.pdf[:at] + b"X" + signed_report.pdf[at + 1 :]
    result = verify(tmp_path, changed, offline_ca.root_pem)
    assert result.exit_code == 1
    failed = [c["check"] for c in json.loads(result.output)["checks"] if not c["ok"]]
    assert failed == ["seal.intact"]


def test_a_report_under_another_root_exits_1(signed_report, other_ca, tmp_path):
    result = verify(tmp_path, signed_report.pdf, other_ca.root_pem)
    assert result.exit_code == 1
    assert "seal.trusted" in {
        c["check"] for c in json.loads(result.output)["checks"] if not c["ok"]
    }


def test_without_a_root_the_file_is_checked_against_its_own(signed_report, tmp_path):
    result = verify(tmp_path, signed_report.pdf, None)
    assert result.exit_code == 0
    assert "give --root" in result.output


def test_a_root_that_is_not_a_certificate_exits_2(signed_report, tmp_path):
    result = verify(tmp_path, signed_report.pdf, "not a certificate")
    assert result.exit_code == 2
    assert "invalid_root" in result.output
