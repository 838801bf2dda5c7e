"""Sealed bids end to end: the offline sealing tool, resumable upload through the API, the
server's checks, signed receipts, replacement and withdrawal, the black list, and the opening
guard — nothing decryptable before the opening, by anyone but the bidder."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit.ledger.models import LedgerEntry
from bidhall.crypto import keys
from bidhall.crypto.keys import b64, canonical
from bidhall.db import db
from bidhall.envelope import format as envelope_format
from bidhall.envelope import keys as envelope_keys
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import unsealing as envelope
from tests.fixtures.pki import PASSPHRASE, SUMMARY, ensure_holder, submit_bid
from trading.bids import services as bids
from trading.bids.models import Bid, Upload


@pytest.fixture
def bid_folder(tmp_path) -> Path:
    folder = tmp_path / "bid"
    (folder / "technical").mkdir(parents=True)
    (folder / "price-schedule.csv").write_text("item,amount\n3.2,1250\n", encoding="utf-8")
    (folder / "technical" / "plan.pdf").write_bytes(b"%PDF-1.7 Q7-riverside-method\n" * 2000)
    return folder


class Bidder:
    """A bidder with its key file, API client and a published tender to bid on."""

    def __init__(self, user, bundle, key_path: Path, api) -> None:
        self.user, self.bundle, self.key_path, self.api = user, bundle, key_path, api


@pytest.fixture
def tender(make_tender):
    return make_tender("published")


@pytest.fixture
def make_bidder(world, enroll, api_for, tmp_path):
    def make():
        user = world.bidder()
        bundle = enroll(user)
        path = tmp_path / f"{user.username}.bhkey"
        keys.save_bundle(path, bundle, PASSPHRASE, iterations=1000)
        return Bidder(user, bundle, path, api_for(user))

    return make


@pytest.fixture
def bidder(make_bidder):
    return make_bidder()


@pytest.fixture
def seal(runner, tmp_path, bid_folder, monkeypatch):
    """Seal with the real `bidhall seal` command, from a descriptor fetched from the API."""
    monkeypatch.setenv("BIDHALL_KEY_PASSPHRASE", PASSPHRASE)

    def run(who: Bidder, tender, summary=SUMMARY, name="bid.seal"):
        ensure_holder(who.user, tender.id)
        descriptor = tmp_path / f"descriptor-{tender.id}.json"
        answer = who.api.get(f"/api/tenders/{tender.id}/sealing")
        assert answer.status_code == 200, answer.get_json()
        descriptor.write_text(json.dumps(answer.get_json()), encoding="utf-8")
        summary_path = tmp_path / "summary.json"
        summary_path.write_text(json.dumps(summary), encoding="utf-8")
        output = tmp_path / name
        result = runner.invoke(
            args=[
                "seal",
                "--tender",
                str(descriptor),
                "--summary",
                str(summary_path),
                "--documents",
                str(bid_folder),
                "--key",
                str(who.key_path),
                "-o",
                str(output),
            ]
        )
        assert result.exit_code == 0, result.output
        return output

    return run


def upload(who: Bidder, tender, data: bytes, pieces: int = 3, lot: int = 1):
    ensure_holder(who.user, tender.id)
    created = who.api.post(
        f"/api/tenders/{tender.id}/uploads",
        json={"lot": lot, "size": len(data)},
    )
    assert created.status_code == 201, created.get_json()
    upload_id = created.get_json()["upload_id"]
    step = -(-len(data) // pieces)
    for offset in range(0, len(data), step):
        answer = who.api.client.patch(
            f"/api/uploads/{upload_id}",
            data=data[offset : offset + step],
            headers=who.api.headers | {"Upload-Offset": str(offset)},
        )
        assert answer.status_code == 200, answer.get_json()
    return upload_id, who.api.post(f"/api/uploads/{upload_id}/complete", json={})


def submit(who: Bidder, tender, path: Path):
    _, answer = upload(who, tender, path.read_bytes())
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


# --- sealing ------------------------------------------------------------------------------------


def _seal_offline(runner, bidder, tender, tmp_path, bid_folder, *, descriptor=None, summary=None):
    """`bidhall seal` with the tender's published descriptor and SUMMARY, either changed."""
    published = bidder.api.get(f"/api/tenders/{tender.id}/sealing").get_json()
    paths = tmp_path / "d.json", tmp_path / "s.json"
    paths[0].write_text(json.dumps(published | (descriptor or {})), encoding="utf-8")
    paths[1].write_text(json.dumps(SUMMARY | (summary or {})), encoding="utf-8")
    return runner.invoke(
        args=["seal", "--tender", str(paths[0]), "--summary", str(paths[1]), "--documents"]
        + [str(bid_folder), "--key", str(bidder.key_path), "-o", str(tmp_path / "x.seal")]
    )


def test_the_sealing_tool_refuses_a_summary_off_the_schema_before_encrypting(
    runner, bidder, tender, tmp_path, bid_folder, monkeypatch
):
    monkeypatch.setenv("BIDHALL_KEY_PASSPHRASE", PASSPHRASE)
    result = _seal_offline(
        runner, bidder, tender, tmp_path, bid_folder, summary={"price": "about ten million"}
    )
    assert result.exit_code == 2
    assert "invalid_summary" in result.output and "price" in result.output
    assert not (tmp_path / "x.seal").exists()


def test_the_sealing_tool_refuses_a_descriptor_naming_another_suite(
    runner, bidder, tender, tmp_path, bid_folder, monkeypatch
):
    monkeypatch.setenv("BIDHALL_KEY_PASSPHRASE", PASSPHRASE)
    result = _seal_offline(
        runner, bidder, tender, tmp_path, bid_folder, descriptor={"suite": "sm2-sm3-sm4/1"}
    )
    assert result.exit_code == 2
    assert "unsupported_suite" in result.output
    assert not (tmp_path / "x.seal").exists()


def test_seal_verify_checks_an_envelope_without_any_key(runner, bidder, tender, seal):
    path = seal(bidder, tender)
    result = runner.invoke(args=["seal", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tender"]["id"] == tender.id


def test_seal_verify_names_a_flipped_byte(runner, bidder, tender, seal):
    path = seal(bidder, tender)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = runner.invoke(args=["seal", "verify", str(path)])
    assert result.exit_code == 2
    assert "ciphertext_mismatch" in result.output


# --- submission and receipts --------------------------------------------------------------------


def test_an_uploaded_bid_gets_a_receipt_that_verifies_offline(
    runner, bidder, tender, seal, tmp_path, client
):
    path = seal(bidder, tender)
    answer = submit(bidder, tender, path)
    receipt = answer["receipt"]
    assert receipt["receipt"]["manifest_sha256"] == answer["manifest_sha256"]
    assert receipt["receipt"]["ledger_seq"] == db.session.scalar(
        select(LedgerEntry.seq).where(LedgerEntry.type == "bid.sealed")
    )
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_text(json.dumps(receipt), encoding="utf-8")
    root = tmp_path / "root.pem"
    root.write_bytes(client.get("/ca/root.pem").data)
    result = runner.invoke(args=["receipt", "verify", str(receipt_path), "--root", str(root)])
    assert result.exit_code == 0, result.output


def test_a_receipt_numbers_the_bid_among_its_bidders_own_submissions_for_the_lot(
    make_bidder, tender, seal
):
    alice, bob = make_bidder(), make_bidder()
    numbers = [
        submit(who, tender, seal(who, tender))["receipt"]["receipt"]["submission"]
        for who in (alice, bob, alice, bob, alice)
    ]
    # another bidder's bids in between change nothing: the number tells no one how many bid
    assert numbers == [1, 1, 2, 2, 3]


def test_a_receipt_with_one_changed_digit_fails_verification(
    runner, bidder, tender, seal, tmp_path
):
    receipt = submit(bidder, tender, seal(bidder, tender))["receipt"]
    receipt["receipt"]["size"] += 1
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt), encoding="utf-8")
    result = runner.invoke(args=["receipt", "verify", str(path)])
    assert result.exit_code == 2
    assert "bad_signature" in result.output


def test_an_interrupted_upload_resumes_from_the_servers_offset(bidder, tender, seal):
    data = seal(bidder, tender).read_bytes()
    created = bidder.api.post(
        f"/api/tenders/{tender.id}/uploads",
        json={"lot": 1, "size": len(data)},
    ).get_json()
    url = f"/api/uploads/{created['upload_id']}"
    half = len(data) // 2
    bidder.api.client.patch(
        url, data=data[:half], headers=bidder.api.headers | {"Upload-Offset": "0"}
    )
    # the client lost track: a retry of the first piece is refused, naming the offset
    retry = bidder.api.client.patch(
        url, data=data[:half], headers=bidder.api.headers | {"Upload-Offset": "0"}
    )
    assert retry.status_code == 409
    assert retry.get_json()["error"]["code"] == "offset_mismatch"
    offset = bidder.api.get(url).get_json()["offset"]
    assert offset == half
    bidder.api.client.patch(
        url, data=data[offset:], headers=bidder.api.headers | {"Upload-Offset": str(offset)}
    )
    assert bidder.api.post(f"{url}/complete", json={}).status_code == 201


def test_an_incomplete_upload_does_not_count_as_a_bid(bidder, tender, seal):
    data = seal(bidder, tender).read_bytes()
    created = bidder.api.post(
        f"/api/tenders/{tender.id}/uploads",
        json={"lot": 1, "size": len(data)},
    ).get_json()
    url = f"/api/uploads/{created['upload_id']}"
    bidder.api.client.patch(
        url, data=data[:100], headers=bidder.api.headers | {"Upload-Offset": "0"}
    )
    answer = bidder.api.post(f"{url}/complete", json={})
    assert answer.get_json()["error"]["code"] == "upload_incomplete"
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0


def test_bytes_beyond_the_declared_size_are_refused(bidder, tender, seal):
    data = seal(bidder, tender).read_bytes()
    created = bidder.api.post(
        f"/api/tenders/{tender.id}/uploads",
        json={"lot": 1, "size": 10},
    ).get_json()
    answer = bidder.api.client.patch(
        f"/api/uploads/{created['upload_id']}",
        data=data,
        headers=bidder.api.headers | {"Upload-Offset": "0"},
    )
    assert answer.status_code == 413
    assert answer.get_json()["error"]["code"] == "file_too_large"


@pytest.mark.parametrize("where", ["header", "documents"])
def test_a_tampered_envelope_is_refused_with_the_reason(bidder, tender, seal, where):
    data = bytearray(seal(bidder, tender).read_bytes())
    sealed = envelope_reading.inspect(io.BytesIO(bytes(data)))
    index = 40 if where == "header" else sealed.offsets["documents"][0] + 10
    data[index] ^= 0x01
    _, answer = upload(bidder, tender, bytes(data))
    assert answer.status_code in (400, 422)
    assert answer.get_json()["error"]["code"] in (
        "header_mismatch",
        "malformed_header",
        "ciphertext_mismatch",
    )


def test_an_unencrypted_file_is_refused(bidder, tender):
    _, answer = upload(bidder, tender, b"%PDF-1.7 my bid in the clear\n" * 100)
    assert answer.get_json()["error"]["code"] == "not_an_envelope"


def test_an_envelope_sealed_for_another_tender_is_refused(bidder, make_tender, seal):
    first = make_tender("published")
    second = make_tender("published", title="Another tender")
    path = seal(bidder, first)
    _, answer = upload(bidder, second, path.read_bytes())
    assert answer.get_json()["error"]["code"] == "wrong_tender"


def test_an_envelope_signed_by_another_bidder_is_refused(make_bidder, tender, seal):
    alice, bob = make_bidder(), make_bidder()
    path = seal(alice, tender)
    _, answer = upload(bob, tender, path.read_bytes())
    assert answer.get_json()["error"]["code"] == "wrong_signer"


def test_an_envelope_signed_with_a_revoked_certificate_is_refused(bidder, tender, seal):
    from bidhall.crypto import services as pki

    path = seal(bidder, tender)
    serial = format(bidder.bundle.signing_cert.serial_number, "x")
    pki.revoke(bidder.user, serial, "key compromise")
    _, answer = upload(bidder, tender, path.read_bytes())
    assert answer.get_json()["error"]["code"] == "revoked"


def test_an_upload_completed_one_second_late_is_refused(bidder, tender, seal, clock):
    data = seal(bidder, tender).read_bytes()
    clock.set(tender.bid_deadline - timedelta(seconds=5))
    created = bidder.api.post(
        f"/api/tenders/{tender.id}/uploads",
        json={"lot": 1, "size": len(data)},
    ).get_json()
    bidder.api.client.patch(
        f"/api/uploads/{created['upload_id']}",
        data=data,
        headers=bidder.api.headers | {"Upload-Offset": "0"},
    )
    clock.set(tender.bid_deadline)
    answer = bidder.api.post(f"/api/uploads/{created['upload_id']}/complete", json={})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "bid_deadline_passed"


def test_an_upload_completed_one_second_before_the_deadline_counts(bidder, tender, seal, clock):
    data = seal(bidder, tender).read_bytes()
    clock.set(tender.bid_deadline - timedelta(seconds=1))
    _, answer = upload(bidder, tender, data)
    assert answer.status_code == 201


def test_a_replacement_supersedes_the_earlier_bid_which_is_kept(bidder, tender, seal):
    first = submit(bidder, tender, seal(bidder, tender, name="first.seal"))
    second = submit(
        bidder, tender, seal(bidder, tender, SUMMARY | {"price": "10200000.00"}, name="second.seal")
    )
    assert second["supersedes_bid_id"] == first["bid_id"]
    states = {
        b["bid_id"]: b["state"]
        for b in bidder.api.get(f"/api/tenders/{tender.id}/bids/mine").get_json()
    }
    assert states == {first["bid_id"]: "superseded", second["bid_id"]: "sealed"}


def test_a_bid_withdrawn_before_the_deadline_is_kept_as_withdrawn(bidder, tender, seal):
    bid = submit(bidder, tender, seal(bidder, tender))
    answer = bidder.api.post(f"/api/bids/{bid['bid_id']}/withdraw", json={})
    assert answer.get_json()["state"] == "withdrawn"
    assert db.session.get(Bid, bid["bid_id"]) is not None


def test_withdrawal_after_the_deadline_is_refused(bidder, tender, seal, clock):
    bid = submit(bidder, tender, seal(bidder, tender))
    clock.set(tender.bid_deadline)
    answer = bidder.api.post(f"/api/bids/{bid['bid_id']}/withdraw", json={})
    assert answer.get_json()["error"]["code"] == "bid_deadline_passed"


def test_a_black_listed_bidder_is_refused_its_upload(bidder, tender, world, api_for, clock):
    until = (clock.now() + timedelta(days=365)).isoformat()
    listed = api_for(world.supervisor).post(
        "/api/credit/decisions",
        json={
            "subject_kind": "organisation",
            "subject_id": bidder.user.organisation_id,
            "kind": "black_list",
            "reason": "Collusion in tender BH-2025-00077",
            "basis_kind": "other",
            "basis_ref": "Decision 2026-17 of the county bureau",
            "valid_until": until,
        },
    )
    assert listed.status_code == 201, listed.get_json()
    answer = bidder.api.post(f"/api/tenders/{tender.id}/uploads", json={"lot": 1, "size": 100})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "black_listed"


def test_before_the_deadline_the_submissions_answer_counts_nothing(
    tender, world, enroll, api_for, clock
):
    """Law Art 22: not even the tender's managers and supervisors learn how many have bid
    before the opening; from the deadline they get the count (never who)."""
    rivals = [world.bidder() for _ in range(2)]
    for user in rivals:
        submit_bid(user, enroll(user), tender.id)
    closed = {"counts": False, "names": False, "opening": tender.bid_deadline.isoformat()}
    for who in (world.agency, world.tenderer, world.supervisor):
        answer = api_for(who).get(f"/api/tenders/{tender.id}/submissions")
        assert answer.status_code == 200
        assert answer.get_json() == {"tender_id": tender.id, "sealed_bids": None} | {
            "disclosure": closed
        }
    clock.set(tender.bid_deadline)
    answer = api_for(world.agency).get(f"/api/tenders/{tender.id}/submissions").get_json()
    assert answer["sealed_bids"] == 2
    assert answer["disclosure"] == closed | {"counts": True}
    assert not any(user.organisation.name in json.dumps(answer) for user in rivals)


def test_another_bidder_cannot_see_a_bid_or_its_receipt(make_bidder, tender, seal):
    alice, bob = make_bidder(), make_bidder()
    bid = submit(alice, tender, seal(alice, tender))
    assert bob.api.get(f"/api/bids/{bid['bid_id']}/receipt").status_code == 404
    assert bob.api.get(f"/api/tenders/{tender.id}/bids/mine").get_json() == []


# --- nothing decryptable before the opening -----------------------------------------------------


def holder_keys(bidder: Bidder, path: Path) -> dict:
    with open(path, "rb") as stream:
        sealed = envelope_reading.inspect(stream)
    return {
        f"{section}_key": base64.b64encode(
            envelope.unwrap_for_holder(sealed, section, bidder.bundle.encryption_key)
        ).decode()
        for section in ("summary", "documents")
    }


def test_keys_handed_in_to_the_hall_before_the_opening_are_refused_and_recorded(
    bidder, tender, seal
):
    path = seal(bidder, tender)
    bid = submit(bidder, tender, path)
    answer = bidder.api.post(
        f"/api/tenders/{tender.id}/opening/decrypt",
        json={"cmd_id": "early-1", "bid_id": bid["bid_id"], **holder_keys(bidder, path)},
    )
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "before_opening"
    recorded = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.type == "crypto.early_access_refused")
    ).all()
    assert len(recorded) == 1
    assert json.loads(recorded[0].payload)["bid_id"] == bid["bid_id"]


def early_access_records() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.type == "crypto.early_access_refused")
    )


def test_reading_a_summary_before_the_opening_is_refused_and_recorded(
    bidder, tender, seal, world, api_for
):
    bid = submit(bidder, tender, seal(bidder, tender))
    own = bidder.api.get(f"/api/bids/{bid['bid_id']}/summary")
    assert own.status_code == 403
    assert own.get_json()["error"]["code"] == "before_opening"
    assert api_for(world.agency).get(f"/api/bids/{bid['bid_id']}/summary").status_code == 404
    assert early_access_records() == 2


def test_probing_summaries_before_the_opening_tells_no_bid_from_none(
    tender, world, enroll, api_for
):
    """A refusal that differed for a real bid of the tender would let its managers (or a
    supervisor, from the opening time in the answer) count the bids by trying ids."""
    user = world.bidder()
    bid_id = submit_bid(user, enroll(user), tender.id).id
    for who in (world.agency, world.supervisor):
        api = api_for(who)
        real, missing = api.get(f"/api/bids/{bid_id}/summary"), api.get("/api/bids/99999/summary")
        assert real.status_code == missing.status_code == 404
        real_error, missing_error = real.get_json()["error"], missing.get_json()["error"]
        assert real_error.keys() == missing_error.keys()
        assert real_error["code"] == missing_error["code"] == "bid_not_found"
        assert real_error["message"] == missing_error["message"].replace("99999", str(bid_id))
    # the attempts on the real bid are still in the ledger for the audit
    assert early_access_records() == 2


def test_after_the_deadline_staff_read_summaries_only_from_the_reading_out(make_hall, api_for):
    hall = make_hall(3)
    hall.reach_deadline()
    seat = hall.bidders[0]
    hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    url = f"/api/bids/{seat.bid_id}/summary"
    assert api_for(seat.user).get(url).get_json()["price"] == seat.summary["price"]
    for staff in (hall.agency, hall.supervisor):
        assert api_for(staff).get(url).status_code == 404
    for other in hall.bidders[1:]:
        hall.run(other.user, "decrypt", bid_id=other.bid_id, **hall.keys(other))
    for staff in (hall.agency, hall.supervisor):
        assert api_for(staff).get(url).get_json()["price"] == seat.summary["price"]


def test_the_server_cannot_decrypt_with_everything_it_holds(bidder, tender, seal, app, bid_folder):
    """With the database, the stored files and every private key the platform holds (CA, platform
    signer, platform custodian) — but not the bidder's key nor a second custodian's share — no
    plaintext byte of the bid can be recovered."""
    from bidhall.crypto import services as pki

    path = seal(bidder, tender)
    submit(bidder, tender, path)
    everything = _database_dump() + _stored_files(Path(app.instance_path))
    for secret in (b"10350000", b"Zhang Wei", b"Q7-riverside-method", b"3.2,1250"):
        assert secret not in everything
    stored = next(Path(app.instance_path).rglob("*.seal"))
    with open(stored, "rb") as stream:
        sealed = envelope_reading.inspect(stream)
        custodian_key, custodian_cert = pki.platform_custodian()
        for section in envelope_format.SECTIONS:
            with pytest.raises(envelope_format.EnvelopeRefused):
                envelope.unwrap_for_holder(sealed, section, custodian_key)
            one_share = envelope.unwrap_share(
                sealed, section, custodian_key, envelope_keys.fingerprint(custodian_cert)
            )
            with pytest.raises(envelope_format.EnvelopeRefused):
                envelope.check_key(
                    stream, sealed, section, envelope_keys.combine_shares([one_share])
                )


def _database_dump() -> bytes:
    from bidhall.db import Base

    dump = io.StringIO()
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            dump.write(repr(tuple(row)))
    return dump.getvalue().encode()


def _stored_files(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_the_upload_offset_follows_the_stored_bytes(bidder, tender, seal):
    data = seal(bidder, tender).read_bytes()
    created = bidder.api.post(
        f"/api/tenders/{tender.id}/uploads",
        json={"lot": 1, "size": len(data)},
    ).get_json()
    url = f"/api/uploads/{created['upload_id']}"
    assert bidder.api.get(url).get_json()["offset"] == 0
    bidder.api.client.patch(url, data=data, headers=bidder.api.headers | {"Upload-Offset": "0"})
    assert bidder.api.get(url).get_json()["offset"] == len(data)
    assert bidder.api.post(f"{url}/complete", json={}).status_code == 201


def test_an_upload_streams_in_without_holding_a_database_connection(bidder, tender, seal):
    from trading.bids import services as bids

    data = seal(bidder, tender).read_bytes()
    upload = bids.start_upload(bidder.user, tender.id, 1, len(data))
    seen = []

    class WatchingStream(io.BytesIO):
        def readinto(self, buffer):
            seen.append(db.session().in_transaction())
            return super().readinto(buffer)

    db.session.scalar(select(func.count()).select_from(Bid))  # a request has read something
    bids.append_upload(bidder.user, upload.id, 0, WatchingStream(data))
    assert seen and not any(seen)


def test_a_bidder_who_never_downloaded_the_documents_cannot_bid(bidder, tender):
    answer = bidder.api.post(f"/api/tenders/{tender.id}/uploads", json={"lot": 1, "size": 100})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "not_a_holder"


def test_a_receipt_re_signed_by_a_stranger_without_its_chain_is_refused(bidder, tender, seal):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from bidhall.errors import RuleViolation
    from tests.kernel.test_envelope import Party
    from trading.bids.receipts import verify_receipt

    receipt = submit(bidder, tender, seal(bidder, tender))["receipt"]
    stranger = Party("stranger", ed25519.Ed25519PrivateKey.generate())
    receipt["receipt"]["size"] = 1
    receipt["signature"] = b64(stranger.signing.sign(canonical(receipt["receipt"])))
    receipt["platform_certificate"] = stranger.signing_cert.public_bytes(
        serialization.Encoding.PEM
    ).decode()
    receipt["chain"] = []
    with pytest.raises(RuleViolation) as refused:
        verify_receipt(receipt)
    assert refused.value.code == "untrusted_certificate"


def test_a_receipt_checked_against_another_root_is_refused(bidder, tender, seal):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from bidhall.errors import RuleViolation
    from tests.kernel.test_envelope import Party
    from trading.bids.receipts import verify_receipt

    receipt = submit(bidder, tender, seal(bidder, tender))["receipt"]
    other_root = Party("other-root", ed25519.Ed25519PrivateKey.generate()).signing_cert
    with pytest.raises(RuleViolation) as refused:
        verify_receipt(receipt, other_root.public_bytes(serialization.Encoding.PEM).decode())
    assert refused.value.code == "untrusted_certificate"


def test_a_completion_that_rolls_back_leaves_the_upload_ready_to_complete_again(
    bidder, tender, seal, monkeypatch
):
    path = seal(bidder, tender)

    def signer_down(*args):
        raise RuntimeError("the platform signer is unavailable")

    monkeypatch.setattr(bids, "sign_receipt", signer_down)
    _, failed = upload(bidder, tender, path.read_bytes())
    assert failed.status_code == 500
    monkeypatch.undo()
    (upload_id,) = db.session.scalars(select(Upload.id)).all()
    answer = bidder.api.post(f"/api/uploads/{upload_id}/complete", json={})
    assert answer.status_code == 201, answer.get_json()
