"""`bidhall bid descriptor` and `bidhall bid submit` against a real server over HTTP."""

from __future__ import annotations

import json

from bidhall import envelope
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
