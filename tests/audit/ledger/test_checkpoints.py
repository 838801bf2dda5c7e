"""Signed checkpoints of the ledger head: at key moments, periodically, and checked by
`bidhall audit verify` so that even a fully recomputed chain is caught."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, text

from audit.ledger import chain as ledger
from audit.ledger import checkpoints
from audit.ledger.models import LedgerCheckpoint, LedgerEntry
from bidhall.db import db


def verify(runner) -> tuple[int, dict]:
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, json.loads(result.output.strip().splitlines()[0])


def test_publishing_a_tender_signs_the_head_including_the_publication(make_tender):
    make_tender("published")
    checkpoint = db.session.scalars(select(LedgerCheckpoint)).one()
    published = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.type == "tender.published")
    ).one()
    assert published.seq <= checkpoint.seq
    assert checkpoint.hash == db.session.get(LedgerEntry, checkpoint.seq).hash
    assert checkpoint.reason == "key_moment:tender.published"


def test_the_tick_signs_a_periodic_checkpoint_only_when_the_chain_grew(make_tender, clock):
    make_tender("draft")
    clock.advance(minutes=61)
    assert checkpoints.tick(clock.now()) != []
    clock.advance(minutes=61)
    assert checkpoints.tick(clock.now()) == []


def test_no_periodic_checkpoint_before_the_interval(make_tender, clock):
    make_tender("published")  # a key-moment checkpoint now
    make_tender("draft")  # the chain grows
    clock.advance(minutes=59)
    assert checkpoints.tick(clock.now()) == []


def test_verify_counts_the_checked_checkpoints(make_tender, runner):
    make_tender("published")
    code, answer = verify(runner)
    assert code == 0
    assert answer["checkpoints"] == 1


def test_a_fully_recomputed_chain_is_caught_by_the_signed_checkpoint(make_tender, runner):
    make_tender("published")
    signed = db.session.scalars(select(LedgerCheckpoint)).one()
    rewrite_chain_from(2, payload='{"rewritten":true}')
    assert ledger.verify(db.session).ok  # the hash chain alone is consistent again
    code, answer = verify(runner)
    assert code == 1
    assert answer["problem"] == "chain_rewritten"
    assert answer["first_bad_seq"] == signed.seq


def test_an_edited_checkpoint_signature_is_refused(make_tender, runner):
    make_tender("published")
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_checkpoints SET hash = :h"), {"h": "0" * 64})
    code, answer = verify(runner)
    assert code == 1
    assert answer["problem"] == "bad_signature"


def test_a_checkpoint_signed_by_a_foreign_certificate_is_refused(make_tender, runner):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from tests.kernel.test_envelope import Party

    make_tender("published")
    intruder = Party("intruder", ed25519.Ed25519PrivateKey.generate())
    pem = intruder.signing_cert.public_bytes(serialization.Encoding.PEM).decode()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_checkpoints SET certificate_pem = :p"), {"p": pem})
    code, answer = verify(runner)
    assert code == 1
    assert answer["problem"] == "untrusted_certificate"


def test_the_checkpoint_command_signs_the_head(make_tender, runner):
    make_tender("draft")
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    head_seq = ledger.head(db.session)[0]
    assert json.loads(result.output)["checkpoint_seq"] == head_seq


def test_a_rolled_back_key_moment_leaves_no_checkpoint(make_tender, world, clock):
    from bidhall.errors import DomainError
    from trading.tenders import services

    tender = make_tender("filed")
    clock.set(tender.issue_start + timedelta(days=30))  # too late to publish
    try:
        services.publish_tender(world.agency, tender.id)
    except DomainError:
        pass
    assert db.session.scalars(select(LedgerCheckpoint)).all() == []


def rewrite_chain_from(seq: int, payload: str) -> None:
    """What a database administrator with write access could do: edit one entry and recompute
    every hash after it, so the chain walk alone finds nothing."""
    with db.engine.begin() as connection:
        rows = connection.execute(
            text(
                "SELECT seq, at, actor, type, payload, prev_hash, hash FROM ledger_entries "
                "ORDER BY seq"
            )
        ).all()
        prev = rows[seq - 2][6]
        for row in rows[seq - 1 :]:
            at = row[1] if not isinstance(row[1], str) else None
            at_text = ledger.format_at(at) if at else row[1].replace(" ", "T") + "Z"
            body = payload if row[0] == seq else row[4]
            new_hash = ledger.entry_hash(prev, row[0], at_text, row[2], row[3], body)
            connection.execute(
                text(
                    "UPDATE ledger_entries SET payload = :p, prev_hash = :ph, hash = :h "
                    "WHERE seq = :s"
                ),
                {"p": body, "ph": prev, "h": new_hash, "s": row[0]},
            )
            prev = new_hash


# --- the export and the standalone checkpoint verifier in docs/ledger.md -------------------------


def export_with_checkpoints(runner, tmp_path) -> tuple:
    ledger_path, checkpoints_path = tmp_path / "ledger.jsonl", tmp_path / "checkpoints.json"
    result = runner.invoke(
        args=["audit", "export", str(ledger_path), "--checkpoints", str(checkpoints_path)]
    )
    assert result.exit_code == 0, result.output
    return ledger_path, checkpoints_path


def run_checkpoint_verifier(tmp_path, client, ledger_path, checkpoints_path) -> tuple[int, str]:
    """The verifier of docs/ledger.md, as a script, with the root an outsider downloads."""
    import subprocess
    import sys

    from tests.audit.ledger.test_chain import doc_block

    script = tmp_path / "verify_checkpoints.py"
    script.write_text(doc_block("verify_checkpoints.py", "python"), encoding="utf-8")
    root = tmp_path / "root.pem"
    root.write_bytes(client.get("/ca/root.pem").data)
    done = subprocess.run(
        [sys.executable, str(script), str(ledger_path), str(checkpoints_path), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout.strip()


def test_the_export_carries_the_checkpoints_and_the_certificates_that_check_them(
    make_tender, runner, tmp_path, client
):
    from bidhall.crypto import services as pki

    make_tender("published")
    _ledger_path, checkpoints_path = export_with_checkpoints(runner, tmp_path)
    document = json.loads(checkpoints_path.read_text(encoding="utf-8"))
    assert document["format"] == "bidhall-checkpoints/1"
    assert document["chain"] == [pki.issuing_pem(), pki.root_pem()]
    signed = db.session.scalars(select(LedgerCheckpoint)).one()
    assert document["checkpoints"] == [
        {
            "id": signed.id,
            "seq": signed.seq,
            "hash": signed.hash,
            "at": ledger.format_at(signed.at),
            "reason": signed.reason,
            "signature": signed.signature,
            "certificate": signed.certificate_pem,
        }
    ]


def test_the_standalone_checkpoint_verifier_passes_an_intact_export(
    make_tender, runner, tmp_path, client
):
    make_tender("published")
    make_tender("published")
    paths = export_with_checkpoints(runner, tmp_path)
    assert run_checkpoint_verifier(tmp_path, client, *paths) == (0, "ok: 2 checkpoints")


def test_the_standalone_checkpoint_verifier_catches_a_fully_recomputed_chain(
    make_tender, runner, tmp_path, client
):
    make_tender("published")
    signed = db.session.scalars(select(LedgerCheckpoint)).one()
    rewrite_chain_from(2, payload='{"rewritten":true}')
    paths = export_with_checkpoints(runner, tmp_path)
    assert run_checkpoint_verifier(tmp_path, client, *paths) == (
        1,
        f"checkpoint at seq {signed.seq}: chain_rewritten",
    )


def test_the_standalone_checkpoint_verifier_refuses_a_certificate_the_ca_did_not_issue(
    make_tender, runner, tmp_path, client
):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from tests.kernel.test_envelope import Party

    make_tender("published")
    signed = db.session.scalars(select(LedgerCheckpoint)).one()
    intruder = Party("intruder", ed25519.Ed25519PrivateKey.generate())
    pem = intruder.signing_cert.public_bytes(serialization.Encoding.PEM).decode()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_checkpoints SET certificate_pem = :p"), {"p": pem})
    paths = export_with_checkpoints(runner, tmp_path)
    assert run_checkpoint_verifier(tmp_path, client, *paths) == (
        1,
        f"checkpoint at seq {signed.seq}: untrusted_certificate",
    )


def test_the_standalone_checkpoint_verifier_refuses_an_edited_signature(
    make_tender, runner, tmp_path, client
):
    make_tender("published")
    signed = db.session.scalars(select(LedgerCheckpoint)).one()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_checkpoints SET hash = :h"), {"h": "0" * 64})
    paths = export_with_checkpoints(runner, tmp_path)
    assert run_checkpoint_verifier(tmp_path, client, *paths) == (
        1,
        f"checkpoint at seq {signed.seq}: bad_signature",
    )


def test_a_checkpoint_time_that_is_not_a_time_is_named_not_raised(
    make_tender, runner, tmp_path, client
):
    make_tender("published")
    signed = db.session.scalars(select(LedgerCheckpoint)).one()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE ledger_checkpoints SET at = 'yesterday'"))
    code, answer = verify(runner)
    assert (code, answer["problem"], answer["first_bad_seq"]) == (1, "bad_signature", signed.seq)
    paths = export_with_checkpoints(runner, tmp_path)
    assert run_checkpoint_verifier(tmp_path, client, *paths) == (
        1,
        f"checkpoint at seq {signed.seq}: bad_signature",
    )
