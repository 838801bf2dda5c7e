"""The report document: its strict shape, its normal form and digest, and the members'
signatures on it (pure: an offline CA, no app)."""

from __future__ import annotations

import copy
import hashlib
from datetime import timedelta

import pytest

from bidhall.canonical import canonical
from bidhall.crypto import keys
from bidhall.crypto.errors import CertificateRefused, SignatureInvalid
from bidhall.errors import InvalidInput
from evaluation.reports import document
from tests.evaluation.reports.conftest import ISSUED, signature_entry
from tests.evaluation.reports.sample import content

SHA = "ab" * 32


def test_build_adds_the_format_and_keeps_every_section():
    built = document.build(content())
    assert built["format"] == "bidhall-evaluation-report/1"
    assert set(built) == {"format", *content()}


def test_build_writes_money_with_two_decimals_and_rounds_scores_half_up_at_the_end():
    built = document.build(content())
    assert built["bids"][0]["read_out_price"] == "10340000.00"
    # price score Decimal("28.004") -> "28.00"; means "8.5" -> "8.50" and 9 -> "9.00"
    assert built["scores"]["price"][0]["score"] == "28.00"
    assert [m["mean"] for m in built["scores"]["means"][:3]] == ["36.25", "8.50", "9.00"]


def test_a_score_on_the_half_cent_rounds_up_not_to_even():
    raw = content()
    raw["scores"]["members"][0]["total"] = "86.245"  # banker's rounding would give 86.24
    assert document.build(raw)["scores"]["members"][0]["total"] == "86.25"


def test_times_are_written_in_utc():
    # 09:00 in Beijing (+08:00) is 01:00 UTC
    assert document.build(content())["session"]["opened_at"] == "2026-03-02T01:00:00+00:00"


def test_the_digest_is_the_sha256_of_the_canonical_json():
    built = document.build(content())
    assert document.digest(built) == hashlib.sha256(canonical(built)).hexdigest()


def test_the_digest_does_not_depend_on_the_order_of_members_in_the_content():
    raw = content()
    reordered = dict(reversed(list(raw.items())))
    assert document.digest(document.build(reordered)) == document.digest(document.build(raw))


def _set(path: str, value):
    """content() with the value at a dotted path (list indexes as numbers) replaced."""
    raw = content()
    *parents, last = path.split(".")
    node = raw
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is _DROP:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return raw


_DROP = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("vetoes", _DROP, "content"),
        ("tender.budget", "1", "content.tender.budget"),
        ("bids.0.read_out_price", 10340000.0, "content.bids[0].read_out_price"),
        ("bids.0.read_out_price", "10340000.005", "content.bids[0].read_out_price"),
        ("bids.0.read_out_price", "-1.00", "content.bids[0].read_out_price"),
        ("session.opened_at", "2026-03-02T09:00:00", "content.session.opened_at"),
        ("tender.method", "cheapest", "content.tender.method"),
        ("bids.1.veto_reason", "too_expensive", "content.bids[1].veto_reason"),
        ("bids.0.veto_reason", "unqualified", "content.bids[0].veto_reason"),
        ("bids.0.bid_no", True, "content.bids[0].bid_no"),
        ("committee.1.leader", True, "content.committee"),
        ("committee.1.seat", 7, "content.committee"),
        ("vetoes", [], "content.vetoes"),
        ("vetoes.0.vote", 9, "content.vetoes[0].vote"),
        ("votes.1.ballots.0.seat", 9, "content.votes[1].ballots"),
        ("votes.1.ballots.0.choice", "maybe", "content.votes[1].ballots"),
        ("review.0.vetoes", 1, "content.review[0]"),
        ("scores.means.0.criterion", "beauty", "content.scores.means"),
        ("ranking.0.bid_id", 502, "content.ranking"),
        ("candidates.0.rank", 2, "content.candidates"),
        ("dissent.0.text", "  ", "content.dissent[0].text"),
    ],
)
def test_content_out_of_shape_is_refused_naming_the_field(path, value, field):
    with pytest.raises(InvalidInput) as refused:
        document.build(_set(path, value))
    assert refused.value.code == "invalid_report_content"
    assert refused.value.details["field"] == field


def test_more_than_three_candidates_are_refused():
    raw = content(bids=5)
    raw["candidates"].append({"rank": 4, "bid_id": raw["ranking"][3]["bid_id"]})
    with pytest.raises(InvalidInput, match="0 to 3 items"):
        document.build(raw)


def test_check_document_refuses_a_document_not_in_normal_form():
    built = document.build(content())
    changed = copy.deepcopy(built)
    changed["bids"][0]["read_out_price"] = "10340000"  # the same amount, not as build writes it
    assert document.check_document(built) == built
    with pytest.raises(InvalidInput, match="normal form"):
        document.check_document(changed)


def test_the_veto_reasons_are_those_of_the_live_session():
    rules = pytest.importorskip("evaluation.sessions.rules")
    assert set(document.VETO_REASONS) == set(rules.VETO_REASONS)


# --- the members' signatures --------------------------------------------------------------------


def test_signing_bytes_are_the_canonical_json_of_digest_seat_and_dissent():
    assert document.signing_bytes(SHA, 3, None) == (
        b'{"dissent":null,"format":"bidhall-report-signature/1","report_sha256":"'
        + SHA.encode()
        + b'","seat":3}'
    )
    assert '"dissent":"不同意"'.encode() in document.signing_bytes(SHA, 3, "不同意")


def test_signing_bytes_refuse_a_digest_that_is_not_sha256_hex():
    with pytest.raises(InvalidInput):
        document.signing_bytes("AB" * 32, 1, None)


def test_a_members_signature_checks_out(offline_ca):
    member = offline_ca.certify(user_id=7)
    entry = signature_entry(SHA, 2, member, offline_ca.chain_pems, "理由")
    document.check_member_signature(SHA, entry, offline_ca.root_pem, user_id=7)


def test_a_signature_over_another_seat_fails(offline_ca):
    member = offline_ca.certify(user_id=7)
    entry = signature_entry(SHA, 2, member, offline_ca.chain_pems) | {"seat": 3}
    with pytest.raises(SignatureInvalid) as refused:
        document.check_member_signature(SHA, entry, offline_ca.root_pem)
    assert refused.value.code == "bad_signature"


def test_a_signature_by_another_key_fails(offline_ca):
    member, other = offline_ca.certify(user_id=7), offline_ca.certify(user_id=8)
    entry = signature_entry(SHA, 2, member, offline_ca.chain_pems)
    entry["signature"] = signature_entry(SHA, 2, other, offline_ca.chain_pems)["signature"]
    with pytest.raises(SignatureInvalid):
        document.check_member_signature(SHA, entry, offline_ca.root_pem)


def test_a_certificate_from_another_ca_fails(offline_ca, other_ca):
    stranger = other_ca.certify(user_id=7)
    entry = signature_entry(SHA, 2, stranger, other_ca.chain_pems)
    with pytest.raises(CertificateRefused) as refused:
        document.check_member_signature(SHA, entry, offline_ca.root_pem)
    assert refused.value.code == "unknown_issuer"


def test_a_certificate_expired_when_it_signed_fails(offline_ca):
    member = offline_ca.certify(user_id=7, not_after=ISSUED + timedelta(hours=1))
    entry = signature_entry(SHA, 2, member, offline_ca.chain_pems)  # signed a day later
    with pytest.raises(CertificateRefused) as refused:
        document.check_member_signature(SHA, entry, offline_ca.root_pem)
    assert refused.value.code == "expired"


def test_another_members_certificate_fails_for_this_seat(offline_ca):
    member = offline_ca.certify(user_id=8)
    entry = signature_entry(SHA, 2, member, offline_ca.chain_pems)
    with pytest.raises(CertificateRefused) as refused:
        document.check_member_signature(SHA, entry, offline_ca.root_pem, user_id=7)
    assert refused.value.code == "wrong_member"


def test_an_encryption_certificate_cannot_sign(offline_ca):
    from bidhall.crypto import ca

    bundle = keys.generate_bundle()
    a = offline_ca.authority
    encryption = ca.issue(
        a.issuing_cert,
        a.issuing_key,
        bundle.encryption_key.public_key(),
        subject=ca.holder_name("expert7", "专家库"),
        uris=["urn:bidhall:user:7"],
        purpose="encryption",
        not_before=ISSUED,
        not_after=ISSUED + timedelta(days=30),
    )
    entry = signature_entry(SHA, 2, offline_ca.certify(user_id=7), offline_ca.chain_pems)
    entry["certificate"] = keys.certificate_pem(encryption)
    with pytest.raises(SignatureInvalid) as refused:
        document.check_member_signature(SHA, entry, offline_ca.root_pem)
    assert refused.value.code == "not_a_signing_certificate"


def test_a_refusal_to_sign_is_not_a_signature(offline_ca):
    refusal = {"seat": 2, "refused": True, "recorded_at": SIGNED, "note": "拒绝签字"}
    assert document.check_signature_entry(refusal, "e")["recorded_at"] == SIGNED
    with pytest.raises(InvalidInput):
        document.check_member_signature(SHA, refusal, offline_ca.root_pem)


SIGNED = "2026-03-02T08:00:00+00:00"
