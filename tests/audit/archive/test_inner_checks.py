"""What the archive's inner checks catch even when the manifest is signed again with the
platform's own key (so every member's hash matches): an edited ledger entry, a chain rewritten up
to its checkpoint, a receipt swapped between bids; and the archive of a tender that never
reached its opening."""

from __future__ import annotations

import hashlib
import json

from audit.archive.verify import verify_archive
from bidhall.canonical import canonical
from tests.audit.archive.conftest import (
    ledger_lines,
    manifest,
    members,
    resigned,
    rewrite,
    with_ledger,
)


def _concerning(contents) -> int:
    return manifest(contents)["manifest"]["ledger"]["concerning"][0]


def test_an_edited_ledger_entry_fails_at_its_hash(exported, root_pem):
    contents = members(exported)
    entries = ledger_lines(contents)
    seq = _concerning(contents)
    entry = next(e for e in entries if e["seq"] == seq)
    entry["payload"]["tender_id"] = 999
    result = verify_archive(rewrite(exported, resigned(with_ledger(contents, entries))), root_pem)
    assert result.problem["member"] == "ledger/entries.jsonl"
    assert result.problem["code"] == "edited" and str(seq) in result.problem["message"]


def test_a_chain_rewritten_up_to_its_checkpoint_fails_at_the_checkpoint(exported, root_pem):
    contents = members(exported)
    entries = ledger_lines(contents)
    first, last = manifest(contents)["manifest"]["ledger"]["segments"][0]
    prev = None
    for entry in entries:
        if not first <= entry["seq"] <= last:
            continue
        if entry["seq"] == first:
            entry["payload"]["edited"] = True
        else:
            entry["prev_hash"] = prev
        envelope = {k: entry[k] for k in ("seq", "at", "actor", "type", "payload")}
        entry["hash"] = hashlib.sha256(
            entry["prev_hash"].encode() + canonical(envelope)
        ).hexdigest()
        prev = entry["hash"]
    result = verify_archive(rewrite(exported, resigned(with_ledger(contents, entries))), root_pem)
    assert result.problem["member"] == "ledger/checkpoints.json"
    assert result.problem["code"] == "chain_rewritten"


def test_a_dropped_ledger_entry_fails(exported, root_pem):
    contents = members(exported)
    entries = ledger_lines(contents)
    del entries[1]
    result = verify_archive(rewrite(exported, resigned(with_ledger(contents, entries))), root_pem)
    assert result.problem["code"] == "ledger_incomplete"


def test_receipts_swapped_between_bids_fail(exported, root_pem):
    contents = members(exported)
    contents["receipts/1.json"], contents["receipts/2.json"] = (
        contents["receipts/2.json"],
        contents["receipts/1.json"],
    )
    result = verify_archive(rewrite(exported, resigned(contents)), root_pem)
    assert result.problem["member"] == "receipts/1.json"
    assert result.problem["code"] == "receipt_mismatch"


def test_a_tender_terminated_before_its_opening_is_archived_without_record_or_report(
    make_tender, world, tmp_path, root_pem
):
    from audit.archive import services
    from trading.tenders import services as tenders

    tender = make_tender("published")
    tenders.terminate_tender(world.agency, tender.id, "The project was cancelled.")
    path = services.export_archive(tender.reference, tmp_path / "terminated.zip").path
    result = verify_archive(path, root_pem)
    assert result.ok, result.to_json()
    kinds = {m["kind"] for m in manifest(members(path))["manifest"]["members"]}
    assert "opening_record" not in kinds and "report" not in kinds
    assert json.loads(members(path)["tender.json"])["state"] == "terminated"
