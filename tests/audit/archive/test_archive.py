"""The tender's digital archive: exported from the real services once the tender is over, and
verified offline, where any changed byte, removed or added member, or foreign signature fails,
naming what failed."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.archive.verify import verify_archive
from bidhall.canonical import canonical
from tests.audit.archive.conftest import manifest, members, one_byte_changed, rewrite


def test_a_finished_tenders_archive_verifies_against_the_platform_root(exported, root_pem):
    result = verify_archive(exported, root_pem)
    assert result.ok, result.to_json()
    checked = result.checked
    assert checked["receipts"] == 3 and checked["envelopes"] == 3
    assert checked["documents"] == 1
    assert checked["opening_record"] == 1 and checked["report"] == 1
    assert checked["checkpoints"] == checked["ledger_segments"] >= 1
    assert checked["concerning_entries"] >= 3 + 1  # the three bids sealed, the publication...
    assert result.trusted_root["source"] == "pinned"


def test_the_archive_holds_every_kind_of_member(exported):
    kinds = {m["kind"] for m in manifest(members(exported))["manifest"]["members"]}
    assert kinds == {
        "tender",
        "document",
        "envelope",
        "receipt",
        "bids",
        "opening_record",
        "report",
        "award",
        "ledger",
        "checkpoints",
    }


def test_the_archive_keeps_the_awards_record_with_its_candidates(finished, exported):
    (award,) = json.loads(members(exported)["award/awards.json"])
    assert award["tender_id"] == finished.tender_id
    assert award["state"] == "reported"
    assert [c["rank"] for c in award["candidates"]] == list(range(1, len(award["candidates"]) + 1))
    assert "objections" in award  # the managers' whole view, even with none raised


def test_the_manifest_carries_the_retention_setting(exported):
    retention = manifest(members(exported))["manifest"]["retention"]
    assert retention["years"] == 15
    ended = retention["ended_at"][:10]
    assert retention["retain_until"] == f"{int(ended[:4]) + 15}{ended[4:]}"


def test_without_a_root_the_verifier_says_it_trusted_the_one_the_archive_carries(exported):
    result = verify_archive(exported)
    assert result.ok
    assert result.trusted_root["source"] == "embedded" and "--root" in result.trusted_root["note"]


KINDS = [
    ("tender", "tender.json"),
    ("document", "documents/"),
    ("envelope", "bids/"),
    ("bids", "bids/index.json"),
    ("receipt", "receipts/"),
    ("opening_record", "opening/record.json"),
    ("report", "evaluation/report.pdf"),
    ("ledger", "ledger/entries.jsonl"),
    ("checkpoints", "ledger/checkpoints.json"),
]


@pytest.mark.parametrize(("kind", "prefix"), KINDS, ids=[k for k, _ in KINDS])
def test_one_changed_byte_in_a_member_fails_naming_it(exported, root_pem, kind, prefix):
    contents = members(exported)
    name = next(m["path"] for m in manifest(contents)["manifest"]["members"] if m["kind"] == kind)
    assert name.startswith(prefix)
    contents[name] = one_byte_changed(contents[name])
    result = verify_archive(rewrite(exported, contents), root_pem)
    assert not result.ok
    assert result.problem["member"] == name and result.problem["code"] == "member_changed"


def test_one_changed_byte_in_the_manifest_fails_naming_it(exported, root_pem):
    contents = members(exported)
    text = contents["manifest.json"]
    at = text.index(b'"sha256": "') + len(b'"sha256": "')  # inside a member's hash
    contents["manifest.json"] = (
        text[:at] + (b"0" if text[at : at + 1] != b"0" else b"1") + text[at + 1 :]
    )
    result = verify_archive(rewrite(exported, contents), root_pem)
    assert not result.ok
    assert result.problem["member"] == "manifest.json"
    assert result.problem["code"] == "bad_signature"


def test_a_removed_member_fails_naming_it(exported, root_pem):
    contents = members(exported)
    del contents["opening/record.json"]
    result = verify_archive(rewrite(exported, contents), root_pem)
    assert result.problem["member"] == "opening/record.json"
    assert result.problem["code"] == "missing_member"


def test_an_added_member_fails_naming_it(exported, root_pem):
    contents = members(exported)
    contents["receipts/999.json"] = b"{}"
    result = verify_archive(rewrite(exported, contents), root_pem)
    assert result.problem["member"] == "receipts/999.json"
    assert result.problem["code"] == "unlisted_member"


def test_a_manifest_signed_by_another_key_fails(exported, root_pem):
    contents = members(exported)
    document = manifest(contents)
    forger = Ed25519PrivateKey.generate()
    document["signature"] = base64.b64encode(forger.sign(canonical(document["manifest"]))).decode()
    contents["manifest.json"] = json.dumps(document).encode()
    result = verify_archive(rewrite(exported, contents), root_pem)
    assert result.problem["member"] == "manifest.json"
    assert result.problem["code"] == "bad_signature"


def test_a_manifest_signed_under_another_ca_is_refused_by_the_pinned_root(
    exported, root_pem, other_ca
):
    contents = members(exported)
    contents["manifest.json"] = _signed_by(other_ca, manifest(contents)["manifest"])
    result = verify_archive(rewrite(exported, contents), root_pem)
    assert result.problem["member"] == "manifest.json"
    assert result.problem["code"] == "untrusted_certificate"


def test_a_manifest_signed_under_another_ca_fails_even_unpinned(exported, other_ca):
    """The forger's own root signs the manifest, but not the receipts, record or report."""
    contents = members(exported)
    contents["manifest.json"] = _signed_by(other_ca, manifest(contents)["manifest"])
    result = verify_archive(rewrite(exported, contents))
    assert result.problem["member"].startswith("receipts/")
    assert result.problem["code"] == "untrusted_certificate"


def test_a_file_that_is_no_zip_fails(tmp_path):
    path = tmp_path / "archive.zip"
    path.write_bytes(b"not a zip")
    result = verify_archive(path)
    assert not result.ok and result.problem["code"] == "not_an_archive"


def _signed_by(authority, body: dict) -> bytes:
    from bidhall.crypto import keys

    document = {
        "manifest": body,
        "signature": base64.b64encode(authority.platform_key.sign(canonical(body))).decode(),
        "platform_certificate": keys.certificate_pem(authority.platform_cert),
        "chain": [keys.certificate_pem(c) for c in authority.chain],
    }
    return json.dumps(document).encode()
