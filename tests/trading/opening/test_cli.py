"""`bidhall open-key` against a real server over HTTP, and `bidhall opening verify` offline."""

from __future__ import annotations

import json

from bidhall.crypto import keys
from tests.fixtures.pki import ITERATIONS, PASSPHRASE
from trading.opening import hall as opening_hall
from trading.opening import record as opening


def key_file(tmp_path, bundle, name="me.bhkey"):
    path = tmp_path / name
    path.write_bytes(keys.dump_bundle(bundle, PASSPHRASE, iterations=ITERATIONS))
    return path


def open_key(runner, server, hall, user, path, *extra):
    from bidhall.accounts import services as accounts

    _token, secret = accounts.issue_token(user.id, "cli")
    return runner.invoke(
        args=[
            "open-key",
            "--tender",
            str(hall.id),
            "--key",
            str(path),
            "--server",
            server,
            "--token",
            secret,
            *extra,
        ],
        env={"BIDHALL_KEY_PASSPHRASE": PASSPHRASE},
    )


def test_a_bidder_decrypts_remotely_with_its_key_file(server, runner, make_hall, tmp_path):
    hall = make_hall(3)
    hall.reach_deadline()
    seat = hall.bidders[0]
    result = open_key(runner, server, hall, seat.user, key_file(tmp_path, seat.bundle))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["command"] == "decrypt"
    assert opening_hall.state(hall.agency, hall.id)["bids"][0]["outcome"] == "decrypted"


def test_open_key_before_the_deadline_prints_the_refusal(server, runner, make_hall, tmp_path):
    hall = make_hall(3)
    seat = hall.bidders[0]
    result = open_key(runner, server, hall, seat.user, key_file(tmp_path, seat.bundle))
    assert result.exit_code == 2
    assert "before_opening" in result.output


def test_a_pkcs12_file_is_refused_with_the_reason(server, runner, make_hall, tmp_path):
    hall = make_hall(3)
    hall.reach_deadline()
    seat = hall.bidders[0]
    p12 = tmp_path / "me.p12"
    p12.write_bytes(keys.export_pkcs12(seat.bundle, PASSPHRASE, iterations=ITERATIONS))
    result = open_key(runner, server, hall, seat.user, p12)
    assert result.exit_code == 2
    assert "cannot hold the X25519" in result.output


def test_a_custodian_hands_in_its_shares_with_its_key_file(server, runner, make_hall, tmp_path):
    hall = make_hall(3)
    hall.reach_deadline()
    for seat in hall.bidders[:2]:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    stuck = hall.bidders[2]
    hall.run(hall.agency, "excuse", bid_id=stuck.bid_id, reason="the hall's server was down")
    path = key_file(tmp_path, hall.world.bundles[hall.supervisor_id], "supervisor.bhkey")
    result = open_key(runner, server, hall, hall.supervisor, path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recovered"] is True


def closed_record(hall, tmp_path):
    hall.reach_deadline()
    for seat in hall.bidders:
        hall.run(seat.user, "decrypt", bid_id=seat.bid_id, **hall.keys(seat))
    for _ in hall.bidders:
        hall.run(hall.agency, "read_next")
    hall.run(hall.agency, "close")
    path = tmp_path / "record.json"
    path.write_text(json.dumps(opening.record(hall.id)))
    return path


def test_opening_verify_passes_on_a_published_record(runner, make_hall, tmp_path):
    path = closed_record(make_hall(3), tmp_path)
    result = runner.invoke(args=["opening", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "bids": 3, "opened": 3, "problems": []}


def test_opening_verify_fails_on_a_record_with_one_changed_digit(runner, make_hall, tmp_path):
    path = closed_record(make_hall(3), tmp_path)
    path.write_text(path.read_text().replace("9980000.50", "9980000.60"))
    result = runner.invoke(args=["opening", "verify", str(path)])
    assert result.exit_code == 2
    assert "bad_signature" in result.output


def test_opening_verify_catches_an_announced_figure_that_differs_from_the_sealed_bid(
    runner, make_hall, tmp_path
):
    from bidhall.crypto import signed

    path = closed_record(make_hall(3), tmp_path)
    body = json.loads(path.read_text())["record"]
    body["bids"][1]["items"] = [
        [k, "9000000.00" if k == "price" else v] for k, v in body["bids"][1]["items"]
    ]
    path.write_text(json.dumps(signed.sign(body, "record")))  # even signed by the platform
    result = runner.invoke(args=["opening", "verify", str(path)])
    assert result.exit_code == 1
    assert "announced items differ" in json.loads(result.output)["problems"][0]
