"""`bidhall bid descriptor`, `bidhall bid submit` and `bidhall tender download` against a real
server over HTTP."""

from __future__ import annotations

import json

from bidhall.envelope import reading as envelope
from tests.fixtures.pki import sealed_bytes


def test_a_bidder_fetches_the_descriptor_and_submits_over_http_with_a_receipt(
    server, runner, make_tender, world, enroll, api_for, tmp_path
):
    from bidhall.accounts import services as accounts

    tender = make_tender("published")
    bidder = world.bidder()
    bundle = enroll(bidder)
    _token, secret = accounts.issue_token(bidder.id, "cli")
    descriptor = tmp_path / "descriptor.json"
    fetched = runner.invoke(
        args=["bid", "descriptor", str(tender.id), "--server", server, "-o", str(descriptor)]
    )
    assert fetched.exit_code == 0, fetched.output
    assert json.loads(descriptor.read_text())["tender"]["id"] == tender.id
    sealed = tmp_path / "bid.seal"
    sealed.write_bytes(sealed_bytes(bundle, tender.id))

    result = runner.invoke(
        args=[
            "bid",
            "submit",
            str(sealed),
            "--server",
            server,
            "--token",
            secret,
            "--piece-mib",
            "1",
        ]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    with open(sealed, "rb") as stream:
        assert answer["manifest_sha256"] == envelope.inspect(stream).manifest_sha256
    receipt = tmp_path / "bid.seal.receipt.json"
    verified = runner.invoke(args=["receipt", "verify", str(receipt)])
    assert verified.exit_code == 0, verified.output


def test_submitting_after_the_deadline_prints_the_servers_reason(
    server, runner, make_tender, world, enroll, clock, tmp_path
):
    from bidhall.accounts import services as accounts

    tender = make_tender("published")
    bidder = world.bidder()
    bundle = enroll(bidder)
    _token, secret = accounts.issue_token(bidder.id, "cli")
    sealed = tmp_path / "bid.seal"
    sealed.write_bytes(sealed_bytes(bundle, tender.id))
    clock.set(tender.bid_deadline)
    result = runner.invoke(
        args=["bid", "submit", str(sealed), "--server", server, "--token", secret]
    )
    assert result.exit_code == 2
    assert "bid_deadline_passed" in result.output


def test_a_bidder_refused_as_not_a_holder_downloads_the_documents_and_then_may_bid(
    server, runner, make_tender, world, enroll, tmp_path, monkeypatch
):
    """The README's bidder flow, from the terminal: only holders of the documents may bid."""
    from bidhall.accounts import services as accounts
    from bidhall.crypto import keys
    from tests.fixtures.pki import ITERATIONS, PASSPHRASE, SUMMARY

    tender = make_tender("published")
    bidder = world.bidder()
    key = keys.save_bundle(tmp_path / "me.bhkey", enroll(bidder), PASSPHRASE, iterations=ITERATIONS)
    _token, secret = accounts.issue_token(bidder.id, "cli")
    monkeypatch.setenv("BIDHALL_KEY_PASSPHRASE", PASSPHRASE)
    (tmp_path / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    (tmp_path / "bid").mkdir()
    (tmp_path / "bid" / "plan.txt").write_text("construction plan\n", encoding="utf-8")
    for args in (
        ["bid", "descriptor", str(tender.id), "--server", server, "-o", str(tmp_path / "t.json")],
        ["seal", "--tender", str(tmp_path / "t.json"), "--summary", str(tmp_path / "summary.json")]
        + ["--documents", str(tmp_path / "bid"), "--key", str(key), "-o", str(tmp_path / "b.seal")],
    ):
        done = runner.invoke(args=args)
        assert done.exit_code == 0, done.output
    submit = ["bid", "submit", str(tmp_path / "b.seal"), "--server", server, "--token", secret]

    refused = runner.invoke(args=submit)
    assert refused.exit_code == 2
    assert "not_a_holder" in refused.output

    downloaded = runner.invoke(
        args=["tender", "download", str(tender.id), "--server", server, "--token", secret]
        + ["-o", str(tmp_path / "docs")]
    )
    assert downloaded.exit_code == 0, downloaded.output
    saved = json.loads(downloaded.output)
    document = tender.documents[0]
    assert saved["tender"] == tender.reference
    assert saved["saved"] == [
        {
            "document_id": document.id,
            "path": str(tmp_path / "docs" / "tender-documents.pdf"),
            "size": document.size,
            "sha256": document.sha256,
        }
    ]
    assert (tmp_path / "docs" / "tender-documents.pdf").read_bytes() == b"%PDF-1.7 tender documents"

    accepted = runner.invoke(args=submit)
    assert accepted.exit_code == 0, accepted.output
    assert (tmp_path / "b.seal.receipt.json").exists()


def test_a_downloaded_document_that_does_not_match_its_published_sha256_is_not_kept(
    server, runner, make_tender, world, tmp_path
):
    from bidhall import storage
    from bidhall.accounts import services as accounts

    tender = make_tender("published")
    stored = storage.get().root / tender.documents[0].storage_key
    stored.write_bytes(stored.read_bytes().replace(b"tender", b"TENDER"))  # damaged at rest
    _token, secret = accounts.issue_token(world.bidder().id, "cli")

    result = runner.invoke(
        args=["tender", "download", str(tender.id), "--server", server, "--token", secret]
        + ["-o", str(tmp_path / "docs")]
    )
    assert result.exit_code == 2
    assert "sha256_mismatch" in result.output
    assert list((tmp_path / "docs").iterdir()) == []


def test_downloading_after_the_download_period_prints_the_servers_reason(
    server, runner, make_tender, world, clock, tmp_path
):
    from bidhall.accounts import services as accounts

    tender = make_tender("published")
    _token, secret = accounts.issue_token(world.bidder().id, "cli")
    clock.set(tender.issue_end)
    result = runner.invoke(
        args=["tender", "download", str(tender.id), "--server", server, "--token", secret]
        + ["-o", str(tmp_path / "docs")]
    )
    assert result.exit_code == 2
    assert "error: download_closed: the document download period has ended" in result.output
    assert list((tmp_path / "docs").glob("*")) == []


def test_two_documents_with_the_same_file_name_are_both_downloaded(
    server, runner, make_tender, world, clock, tmp_path
):
    import io

    from bidhall.accounts import services as accounts
    from trading.tenders import queries, services

    tender = make_tender("draft")
    for version in (b"first bill", b"second bill"):
        services.add_document(world.agency, tender.id, "bill.csv", io.BytesIO(version))
        clock.advance(seconds=1)  # the storage key is named by the time: one upload per instant
    services.submit_for_filing(world.agency, tender.id)
    services.decide_filing(world.supervisor, tender.id, accept=True)
    clock.set(queries.get_tender(tender.id).issue_start)
    tender = services.publish_tender(world.agency, tender.id)
    _token, secret = accounts.issue_token(world.bidder().id, "cli")

    result = runner.invoke(
        args=["tender", "download", str(tender.id), "--server", server, "--token", secret]
        + ["-o", str(tmp_path / "docs")]
    )
    assert result.exit_code == 0, result.output
    first, second = sorted(tender.documents, key=lambda d: d.id)
    assert (tmp_path / "docs" / "bill.csv").read_bytes() == b"first bill"
    assert (tmp_path / "docs" / f"{second.id}-bill.csv").read_bytes() == b"second bill"
