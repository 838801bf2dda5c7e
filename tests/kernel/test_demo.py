"""`bidhall demo` plays the whole life cycle on the embedded default, as a user runs it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

BIDHALL = os.path.join(os.path.dirname(sys.executable), "bidhall")


def demo_env(**extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "BIDHALL_INSTANCE")
    }
    return env | {"PYTHONUNBUFFERED": "1"} | extra


def test_the_demo_plays_the_life_cycle_to_the_sealed_report_and_ends_with_a_json_summary(tmp_path):
    # --instance wins over BIDHALL_INSTANCE
    env = demo_env(BIDHALL_INSTANCE=str(tmp_path / "from-environment"))
    result = subprocess.run(
        [BIDHALL, "demo", "--instance", str(tmp_path / "demo")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["ok"] is True
    assert summary["state"] == "opened"
    assert summary["opened"] == 3
    assert summary["receipts_verified"] == 3
    assert summary["bid_security"] == {"guarantees": 2, "deposits": 1}
    assert "filed signed e-guarantees" in result.stdout
    assert summary["deadline_moved"] is True
    # open data: two tenders published, an amendment, the first one's opening record
    assert summary["ocds_releases"] >= 4
    exported = json.loads(Path(summary["ocds_export"]).read_text(encoding="utf-8"))
    assert len(exported["releases"]) == summary["ocds_releases"]
    # the message centre told the holders of the amendment and its new deadline, each bidder
    # of its bid's receipt and each drawn expert of its invitation
    assert {"tender.amendment", "tender.deadline_moved", "bid.received", "draw.invited"} <= set(
        summary["messages"]
    )
    assert "decrypted remotely" in result.stdout
    assert (tmp_path / "demo" / "bidhall.db").exists()
    assert not (tmp_path / "from-environment").exists()
    # the evaluation after the opening: 5 members over 2 venues, Minsheng's bid vetoed by a
    # vote, Huadong's clarification answered, the report signed by all, sealed and verified
    evaluation = summary["evaluation"]
    assert evaluation["report_verified"] is True
    assert evaluation["members"] == 5 and evaluation["venues"] == 2
    assert evaluation["leader_seat"] == 1
    assert evaluation["vetoed_bids"] == ["Minsheng Engineering Co."]
    assert evaluation["clarifications_answered"] == 1
    assert sorted(evaluation["ranking"]) == [
        "Huadong Construction Group",
        "Jiangcheng Builders Ltd",
    ]
    assert evaluation["candidates"] == evaluation["ranking"]
    assert (tmp_path / "demo").resolve() in Path(evaluation["report_pdf"]).resolve().parents
    assert Path(evaluation["report_pdf"]).read_bytes().startswith(b"%PDF")
    assert "recusal declarations (回避声明)" in result.stdout
    # from the report to the contract: the candidates published, a losing bidder's objection
    # answered, the first candidate awarded at its price, the contract signed and every bid
    # security returned, the deposit with its bank interest
    award = summary["award"]
    assert award["candidates_published_by"] == "manager"
    assert award["objections_answered"] == 1
    assert award["winner"] == evaluation["candidates"][0]
    assert award["guarantees_released"] == 2 and award["deposits_refunded"] == 1
    assert float(award["deposit_interest"][0]) > 0
    assert {"award.won", "award.result", "guarantee.released", "deposit.refunded"} <= set(
        summary["messages"]
    )
    # the tender is over: its archive is exported and verifies offline against the root
    archive = summary["archive"]
    assert archive["verified"] is True and archive["members"] >= 10
    assert Path(archive["path"]).read_bytes().startswith(b"PK")
    assert "refused (score_reason_required)" in result.stdout
    # the audit layer raised real alerts from what was played: the agency's early request, the
    # vote the leader closed before a member voted, the outlier score, the too-fast member; the
    # supervisor resolved the vote's alert with a note
    alerts = {alert["detector"]: alert for alert in summary["alerts"]}
    assert {
        "crypto.early_access",
        "vote.incomplete",
        "score.outlier",
        "eval.expert_too_fast",
    } <= set(alerts)
    assert alerts["vote.incomplete"]["state"] == "resolved"
    assert alerts["crypto.early_access"]["severity"] == "red"
    # and recorded a credit deduction on it, a decision of its own (never the alert's)
    credit = summary["credit"]
    assert (credit["kind"], credit["points"]) == ("deduction", 2)
    assert credit["alert"] == alerts["vote.incomplete"]["id"]
    # the statistics count the finished tender: its award against its ceiling, its opening
    # (two bids decrypted by their bidders, the excused third recovered by the custodians: not
    # a remote opening), its committee over two venues, its bid security and refund
    statistics = summary["statistics"]
    assert statistics["transaction_value"] == award["amount"]
    assert Decimal(statistics["savings"]) > 0
    assert statistics["remote_opening_share"] == "0.00"
    assert statistics["remote_bid_share"] == "66.67"
    assert statistics["remote_evaluation_share"] == "100.00"
    assert (statistics["guarantees"], statistics["deposits_refunded"]) == (2, 1)
    assert statistics["alerts"] >= 4


def test_the_demo_served_on_another_host_runs_in_the_bidhall_instance_folder(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    instance = tmp_path / "from-environment"
    process = subprocess.Popen(
        [BIDHALL, "demo", "--serve", "--host", "127.0.0.2", "--port", str(port)],
        env=demo_env(BIDHALL_INSTANCE=str(instance)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.2", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            process.kill()
            pytest.fail("the demo server did not start: " + process.stdout.read().decode())
        with urllib.request.urlopen(f"http://127.0.0.2:{port}/api/tenders", timeout=10) as answer:
            assert len(json.loads(answer.read())) == 2  # the demo's two tenders
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        assert (instance / "bidhall.db").exists()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"serving the demo on http://127.0.0.2:{port}/" in output, output


def test_the_demo_refuses_to_wipe_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path / "instance"
    precious.mkdir()
    (precious / "bidhall.db").write_bytes(b"a real database")
    result = subprocess.run(
        [BIDHALL, "demo"],
        env=demo_env(BIDHALL_INSTANCE=str(precious)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error: not_a_demo_folder: " in result.stderr
    assert (precious / "bidhall.db").read_bytes() == b"a real database"
