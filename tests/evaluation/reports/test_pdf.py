"""The report PDF: Chinese text in an embedded font that tools read back, and the document and
signatures attached so the file can be checked alone."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from bidhall.canonical import canonical
from bidhall.errors import InvalidInput
from evaluation.reports import document, pdf
from evaluation.reports.verify import _attachments
from tests.evaluation.reports.sample import content

HEADINGS = [
    "评标报告",
    "评标委员会",
    "资格审查与符合性审查",
    "否决投标",
    "表决记录",
    "澄清",
    "算术修正",
    "评分汇总",
    "排名与中标候选人",
    "签名",
]


def poppler(tool: str, data: bytes, tmp_path) -> str:
    if shutil.which(tool) is None:
        pytest.skip(
            f"{tool} (Debian poppler-utils) is not installed: apt-get install poppler-utils"
        )
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_pdftotext_reads_the_chinese_headings_and_the_bidders(signed_report, tmp_path):
    text = poppler("pdftotext", signed_report.pdf, tmp_path)
    for heading in HEADINGS:
        assert heading in text
    assert "上海建工集团股份有限公司" in text
    assert "10,340,000.00" in text


def test_the_signature_lines_name_each_member_and_the_dissent(signed_report, tmp_path):
    text = poppler("pdftotext", signed_report.pdf, tmp_path)
    for name in ("王伟", "李娜", "张敏", "刘洋", "陈静"):
        assert name in text
    assert "2026-03-02 16:00:00" in text  # signed at 08:00 UTC, shown in Beijing time
    assert "本人认为应当澄清后再议" in text


def test_the_chinese_font_is_embedded(signed_report, tmp_path):
    fonts = poppler("pdffonts", signed_report.pdf, tmp_path)
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "UMing" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk)


def test_the_canonical_document_and_the_signatures_are_attached(signed_report):
    files = _attachments(PdfFileReader(io.BytesIO(signed_report.pdf)))
    assert files["report.json"] == canonical(signed_report.document)
    signatures = json.loads(files["signatures.json"])
    assert signatures["format"] == "bidhall-report-signatures/1"
    assert signatures["report_sha256"] == signed_report.sha256
    assert signatures["signatures"] == signed_report.entries


def test_a_hundred_bids_render_on_many_pages():
    built = document.build(content(bids=100, members=7))
    reader = PdfFileReader(io.BytesIO(pdf.render(built, [])))
    assert len(reader.root["/Pages"]["/Kids"]) > 10


def test_a_document_not_made_by_build_is_refused():
    built = document.build(content())
    built["bids"][0]["read_out_price"] = 10340000.0
    with pytest.raises(InvalidInput):
        pdf.render(built, [])


def test_a_malformed_signature_entry_is_refused():
    built = document.build(content())
    with pytest.raises(InvalidInput) as refused:
        pdf.render(built, [{"seat": 1, "signature": "x"}])
    assert refused.value.details["field"] == "signatures[0]"


def test_without_a_truetype_chinese_font_rendering_names_the_package(monkeypatch):
    monkeypatch.setattr(pdf, "FONT", "BidhallCJK-missing")
    monkeypatch.setattr(pdf, "FONTS", (("/nonexistent/font.ttc", 0, "fonts-wqy-zenhei"),))
    with pytest.raises(pdf.ReportUnavailable, match="apt-get install fonts-wqy-zenhei"):
        pdf.render(document.build(content()), [])
