"""Verifying a sealed report offline, and every way of tampering with one failing the check
that names it."""

from __future__ import annotations

import base64
import copy
import io

from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from bidhall.canonical import canonical
from evaluation.reports import document, pdf
from evaluation.reports.verify import verify_pdf
from tests.evaluation.reports.conftest import signature_entry


def failed(finding) -> dict[str, str]:
    return {check.name: check.reason for check in finding.failed}


def test_a_sealed_report_passes_every_check(signed_report, offline_ca):
    finding = verify_pdf(signed_report.pdf, offline_ca.root_pem)
    assert finding.ok, failed(finding)
    assert finding.report_sha256 == signed_report.sha256
    names = [check.name for check in finding.checks]
    assert {"seal.intact", "seal.coverage", "seal.trusted", "seal.signer"} <= set(names)
    assert [n for n in names if n.startswith("member.")] == [f"member.{s}" for s in range(1, 6)]


def test_without_a_root_the_seals_own_root_is_used_and_said(signed_report):
    finding = verify_pdf(signed_report.pdf)
    assert finding.ok
    assert "not that it comes from this platform" in next(
        c.reason for c in finding.checks if c.name == "root"
    )


def test_a_byte_changed_in_the_pdf_breaks_the_seal(signed_report, offline_ca):
    data = signed_report.pdf
    at = data.index(b"ReportLab")  # the producer's name, inside the sealed bytes
    changed = data[:at] + b"X" + data[at + 1 :]
    assert set(failed(verify_pdf(changed, offline_ca.root_pem))) == {"seal.intact"}


def test_report_json_edited_and_resealed_fails_every_members_signature(signed_report, offline_ca):
    edited = copy.deepcopy(signed_report.document)
    edited["bids"][0]["evaluated_price"] = "9990000.00"
    # even rendered and sealed again by the platform: the members signed the other digest
    resealed = offline_ca.seal(pdf.render(edited, signed_report.entries))
    problems = failed(verify_pdf(resealed, offline_ca.root_pem))
    assert set(problems) == {f"member.{seat}" for seat in range(1, 6)}
    assert problems["member.1"].startswith("bad_signature")


def test_report_json_replaced_after_the_seal_is_caught(signed_report, offline_ca):
    edited = copy.deepcopy(signed_report.document)
    edited["candidates"] = edited["candidates"][::-1]
    edited["candidates"][0]["rank"], edited["candidates"][1]["rank"] = 1, 2
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_report.pdf))
    stream = embed.EmbeddedFileObject.from_file_data(writer, canonical(edited))
    embed.embed_file(writer, embed.FileSpec("report.json", embedded_data=stream))
    out = io.BytesIO()
    writer.write(out)
    problems = failed(verify_pdf(out.getvalue(), offline_ca.root_pem))
    assert "seal.coverage" in problems
    assert "signatures" in problems  # signatures.json names the digest of the sealed report


def test_a_dropped_signature_fails_that_members_check(signed_report, offline_ca):
    dropped = offline_ca.seal(pdf.render(signed_report.document, signed_report.entries[:-1]))
    problems = failed(verify_pdf(dropped, offline_ca.root_pem))
    assert set(problems) == {"member.5"}
    assert "no signature" in problems["member.5"]


def test_a_signature_by_another_key_fails(signed_report, offline_ca):
    entries = copy.deepcopy(signed_report.entries)
    impostor = offline_ca.certify(user_id=999)
    entries[1]["signature"] = signature_entry(
        signed_report.sha256, 2, impostor, offline_ca.chain_pems
    )["signature"]
    sealed = offline_ca.seal(pdf.render(signed_report.document, entries))
    problems = failed(verify_pdf(sealed, offline_ca.root_pem))
    assert set(problems) == {"member.2"}
    assert problems["member.2"].startswith("bad_signature")


def test_a_certificate_from_another_ca_fails(signed_report, offline_ca, other_ca):
    entries = copy.deepcopy(signed_report.entries)
    # the same user id, a valid signature: only the issuer is wrong
    stranger = other_ca.certify(user_id=signed_report.members[2].user_id)
    entries[2] = signature_entry(signed_report.sha256, 3, stranger, other_ca.chain_pems)
    sealed = offline_ca.seal(pdf.render(signed_report.document, entries))
    problems = failed(verify_pdf(sealed, offline_ca.root_pem))
    assert set(problems) == {"member.3"}
    assert problems["member.3"].startswith("unknown_issuer")


def test_another_members_certificate_fails_for_the_seat(signed_report, offline_ca):
    entries = copy.deepcopy(signed_report.entries)
    first = signed_report.members[0]  # seat 1's member also signs seat 2
    entries[1] = signature_entry(signed_report.sha256, 2, first, offline_ca.chain_pems)
    sealed = offline_ca.seal(pdf.render(signed_report.document, entries))
    assert failed(verify_pdf(sealed, offline_ca.root_pem))["member.2"].startswith("wrong_member")


def test_a_dissent_other_than_the_reports_fails(signed_report, offline_ca):
    entries = copy.deepcopy(signed_report.entries)
    member = signed_report.members[4]
    entries[4] = signature_entry(signed_report.sha256, 5, member, offline_ca.chain_pems, None)
    sealed = offline_ca.seal(pdf.render(signed_report.document, entries))
    assert set(failed(verify_pdf(sealed, offline_ca.root_pem))) == {"member.5"}


def test_a_seat_signed_twice_fails(signed_report, offline_ca):
    entries = signed_report.entries + [signed_report.entries[0]]
    sealed = offline_ca.seal(pdf.render(signed_report.document, entries))
    assert set(failed(verify_pdf(sealed, offline_ca.root_pem))) == {"members"}


def test_a_recorded_refusal_to_sign_passes_as_deemed_agreement(signed_report, offline_ca):
    entries = copy.deepcopy(signed_report.entries)
    entries[0] = {"seat": 1, "refused": True, "recorded_at": "2026-03-02T08:10:00+00:00"}
    entries[0]["note"] = "评委1拒绝签字，未陈述不同意见和理由"
    sealed = offline_ca.seal(pdf.render(signed_report.document, entries))
    finding = verify_pdf(sealed, offline_ca.root_pem)
    assert finding.ok
    assert "deemed to agree" in next(c.reason for c in finding.checks if c.name == "member.1")


def test_a_report_sealed_under_another_ca_is_not_trusted(signed_report, offline_ca, other_ca):
    sealed = other_ca.seal(pdf.render(signed_report.document, signed_report.entries))
    assert "seal.trusted" in failed(verify_pdf(sealed, offline_ca.root_pem))


def test_an_unsealed_report_fails_the_seal(signed_report, offline_ca):
    unsealed = pdf.render(signed_report.document, signed_report.entries)
    assert set(failed(verify_pdf(unsealed, offline_ca.root_pem))) == {"seal.present"}


def test_a_pdf_without_the_attachments_fails(offline_ca):
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    canvas.Canvas(out).save()
    assert set(failed(verify_pdf(out.getvalue(), offline_ca.root_pem))) == {"attachments"}


def test_a_file_that_is_not_a_pdf_fails_readably(offline_ca):
    finding = verify_pdf(b"%PDF-1.7 this is not one", offline_ca.root_pem)
    assert not finding.ok
    assert set(failed(finding)) == {"pdf"}


def test_signing_bytes_of_the_sealed_report_are_what_each_member_signed(signed_report):
    # the check a browser can redo: the digest of report.json with the seat and the dissent
    entry = signed_report.entries[4]
    data = document.signing_bytes(signed_report.sha256, 5, entry["dissent"])
    signed_report.members[4].cert.public_key().verify(base64.b64decode(entry["signature"]), data)
