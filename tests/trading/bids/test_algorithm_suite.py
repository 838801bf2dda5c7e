"""Every reader of a sealed bid refuses a format or algorithm suite it does not know, even when
the bidder signed it (docs/seal-format.md): the server on upload, `bidhall seal verify`, and
`bidhall open-key` on the headers the hall hands out."""

from __future__ import annotations

import json
import struct

import pytest
from sqlalchemy import func, select

from audit.ledger.models import LedgerEntry
from bidhall.crypto import keys
from bidhall.crypto.keys import b64, canonical
from bidhall.db import db
from bidhall.envelope import format as envelope
from tests.fixtures.pki import ITERATIONS, PASSPHRASE, ensure_holder, sealed_bytes
from trading.bids.models import Bid
from trading.opening import hall as opening_hall
from trading.opening import keys as opening

OTHER_SUITE = "bidhall-sm2-sm3-sm4gcm/1"

# (manifest field, value) -> the refusal code
FOREIGN = [
    ("suite", OTHER_SUITE, "unsupported_suite"),
    ("format", "bidhall-seal/2", "unsupported_format"),
]


def re_signed(data: bytes, bundle, **manifest_changes) -> bytes:
    """The envelope with its manifest changed and signed again with the bidder's own key, as
    the bidder's tool would sign a manifest of another suite: only the suite check can catch it."""
    trailer_length = struct.unpack(">I", data[-12:-8])[0]
    start = len(data) - 12 - trailer_length
    trailer = json.loads(data[start:-12])
    trailer["manifest"] |= manifest_changes
    trailer["signature"] = b64(bundle.signing_key.sign(canonical(trailer["manifest"])))
    block = canonical(trailer)
    return data[:start] + block + struct.pack(">I", len(block)) + envelope.END_MAGIC


@pytest.fixture
def bidder(world, enroll):
    user = world.bidder()
    return user, enroll(user)


def upload(api, tender, data: bytes):
    created = api.post(f"/api/tenders/{tender.id}/uploads", json={"lot": 1, "size": len(data)})
    assert created.status_code == 201, created.get_json()
    upload_id = created.get_json()["upload_id"]
    answer = api.client.patch(
        f"/api/uploads/{upload_id}", data=data, headers=api.headers | {"Upload-Offset": "0"}
    )
    assert answer.status_code == 200, answer.get_json()
    return api.post(f"/api/uploads/{upload_id}/complete", json={})


@pytest.mark.parametrize(("field", "value", "code"), FOREIGN)
def test_a_bid_whose_signed_manifest_names_another_suite_is_refused_on_upload(
    make_tender, bidder, api_for, field, value, code
):
    tender = make_tender("published")
    user, bundle = bidder
    ensure_holder(user, tender.id)
    data = re_signed(sealed_bytes(bundle, tender.id), bundle, **{field: value})
    answer = upload(api_for(user), tender, data)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["code"] == code
    assert "receipt" not in answer.get_json()
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0
    sealed_events = select(func.count()).where(LedgerEntry.type == "bid.sealed")
    assert db.session.scalar(sealed_events) == 0


@pytest.mark.parametrize(("field", "value", "code"), FOREIGN)
def test_seal_verify_refuses_a_signed_manifest_of_another_suite(
    make_tender, bidder, runner, tmp_path, field, value, code
):
    tender = make_tender("published")
    _user, bundle = bidder
    path = tmp_path / "bid.seal"
    path.write_bytes(re_signed(sealed_bytes(bundle, tender.id), bundle, **{field: value}))
    result = runner.invoke(args=["seal", "verify", str(path)])
    assert result.exit_code == 2, result.output
    assert code in result.output


def test_a_sealed_bid_of_the_known_suite_still_passes_seal_verify(
    make_tender, bidder, runner, tmp_path
):
    tender = make_tender("published")
    _user, bundle = bidder
    path = tmp_path / "bid.seal"
    path.write_bytes(re_signed(sealed_bytes(bundle, tender.id), bundle))
    result = runner.invoke(args=["seal", "verify", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("field", "value", "code"), FOREIGN)
def test_open_key_unwraps_nothing_from_a_header_of_another_suite(
    server, runner, make_hall, tmp_path, monkeypatch, field, value, code
):
    from bidhall.accounts import services as accounts

    hall = make_hall(3)
    hall.reach_deadline()
    seat = hall.bidders[0]
    served = opening.envelope_headers

    def foreign_headers(user, tender_id):
        entries = served(user, tender_id)
        for entry in entries:
            entry["header"] = entry["header"] | {field: value}
        return entries

    monkeypatch.setattr(opening, "envelope_headers", foreign_headers)
    path = tmp_path / "me.bhkey"
    path.write_bytes(keys.dump_bundle(seat.bundle, PASSPHRASE, iterations=ITERATIONS))
    _token, secret = accounts.issue_token(seat.user.id, "cli")
    result = runner.invoke(
        args=["open-key", "--tender", str(hall.id), "--key", str(path)]
        + ["--server", server, "--token", secret],
        env={"BIDHALL_KEY_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 2, result.output
    assert code in result.output
    assert opening_hall.state(hall.agency, hall.id)["bids"][0]["outcome"] != "decrypted"
