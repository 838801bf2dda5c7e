"""The hash-chained ledger: canonical JSON, appends from real service calls, `bidhall audit verify`
against raw-SQL tampering, and the standalone verifier published in docs/ledger.md."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from audit.ledger import chain as ledger
from audit.ledger.chain import GENESIS, NotCanonical, canonical_json, entry_hash, format_at

DOC = Path(__file__).resolve().parents[3] / "docs" / "ledger.md"

# --- canonical JSON and the hash (pure) ---------------------------------------------------------


def test_canonical_json_sorts_keys_without_whitespace_and_keeps_non_ascii_text():
    value = {
        "tender_id": 12,
        "title": '江城一中 "A" 区',
        "a": [True, None, -3],
        "b": {"z": 1, "y": ""},
    }
    assert canonical_json(value) == (
        '{"a":[true,null,-3],"b":{"y":"","z":1},"tender_id":12,"title":"江城一中 \\"A\\" 区"}'
    )


def test_canonical_json_escapes_control_characters_as_rfc_8785_does():
    assert canonical_json("\b\t\n\f\r\x01\x1f\x7f/\u2028") == (
        '"\\b\\t\\n\\f\\r\\u0001\\u001f\x7f/\u2028"'
    )


@pytest.mark.parametrize(
    "value", [1.5, 2.0, {"amount": 0.1}, [float("nan")], {"x": [float("inf")]}]
)
def test_canonical_json_refuses_floats(value):
    with pytest.raises(NotCanonical, match="no floats"):
        canonical_json(value)


@pytest.mark.parametrize("value", [{"名称": "x"}, {"ok": {"clé": 1}}, [{"ключ": 1}]])
def test_canonical_json_refuses_non_ascii_keys(value):
    with pytest.raises(NotCanonical, match="ASCII"):
        canonical_json(value)


@pytest.mark.parametrize("value", [{1: "x"}, {None: 1}])
def test_canonical_json_refuses_keys_that_are_not_strings(value):
    with pytest.raises(NotCanonical):
        canonical_json(value)


@pytest.mark.parametrize("value", [2**53, -(2**53), {"fen": 10**21}])
def test_canonical_json_refuses_integers_rfc_8785_would_print_as_doubles(value):
    with pytest.raises(NotCanonical, match="2\\*\\*53"):
        canonical_json(value)


@pytest.mark.parametrize(
    "value", [b"bytes", {"at": datetime(2026, 3, 1, tzinfo=UTC)}, {1, 2}, "lone \ud800 surrogate"]
)
def test_canonical_json_refuses_what_json_cannot_carry_exactly(value):
    with pytest.raises(NotCanonical):
        canonical_json(value)


def test_format_at_is_utc_with_six_fraction_digits_and_z():
    shanghai = datetime.fromisoformat("2026-03-01T09:30:00+08:00")
    assert format_at(shanghai) == "2026-03-01T01:30:00.000000Z"
    assert format_at(datetime(2026, 3, 1, 1, 30, 0, 5, tzinfo=UTC)) == "2026-03-01T01:30:00.000005Z"
    assert format_at(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"


def test_entry_hash_is_sha256_of_prev_hash_and_the_canonical_envelope():
    payload = {"tender_id": 12, "title": '江城 "A"\n'}
    at = "2026-03-01T01:30:00.250000Z"
    envelope = {
        "seq": 7,
        "at": at,
        "actor": "user:7",
        "type": "tender.published",
        "payload": payload,
    }
    expected = hashlib.sha256((GENESIS + canonical_json(envelope)).encode("utf-8")).hexdigest()
    assert entry_hash(GENESIS, 7, at, "user:7", "tender.published", canonical_json(payload)) == (
        expected
    )


def test_verify_rows_accepts_times_as_datetimes_or_as_sqlite_keeps_them():
    at = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    digest = entry_hash(GENESIS, 1, format_at(at), "system", "x.happened", "{}")
    for stored in (
        at,
        at.replace(tzinfo=None),
        "2026-03-01 01:30:00.000000",
        "2026-03-01T09:30:00+08:00",
        "2026-03-01T01:30:00.000000Z",
    ):
        result = ledger.verify_rows([(1, stored, "system", "x.happened", "{}", GENESIS, digest)])
        assert result.ok, stored
        assert (result.checked, result.head_seq, result.head_hash) == (1, 1, digest)


@pytest.mark.parametrize("column, value", [(1, "not a time"), (1, None), (2, 42), (4, None)])
def test_verify_rows_names_a_row_holding_what_no_writer_stores(column, value):
    at = "2026-03-01T01:30:00.000000Z"
    row = [
        1,
        at,
        "system",
        "x.happened",
        "{}",
        GENESIS,
        entry_hash(GENESIS, 1, at, "system", "x.happened", "{}"),
    ]
    row[column] = value
    result = ledger.verify_rows([tuple(row)])
    assert (result.ok, result.first_problem) == (False, ledger.Finding(1, "edited"))


class FakeCursor:
    def __init__(self, batches: int, fail_at: int | None = None) -> None:
        self.batches, self.fail_at, self.fetched = batches, fail_at, 0

    def fetchmany(self, size: int) -> list:
        self.fetched += 1
        if self.fetched == self.fail_at:
            raise RuntimeError("connection lost")
        return [self.fetched] * size if self.fetched <= self.batches else []


def test_batches_fetched_ahead_arrive_in_order_and_stop_when_the_reader_stops():
    assert list(ledger._fetched_ahead(FakeCursor(3), 2)) == [[1, 1], [2, 2], [3, 3]]
    cursor = FakeCursor(1000)
    batches = ledger._fetched_ahead(cursor, 2)
    assert next(batches) == [1, 1]
    batches.close()  # joins the helper thread
    assert cursor.fetched <= 3  # it never ran more than one batch ahead
    with pytest.raises(RuntimeError, match="connection lost"):
        list(ledger._fetched_ahead(FakeCursor(10, fail_at=4), 2))


# --- appends from real service calls (DB) -------------------------------------------------------


def ledger_rows() -> list:
    from audit.ledger.models import LedgerEntry
    from bidhall.db import db

    db.session.rollback()  # a fresh snapshot: raw SQL and other connections may have written
    return list(db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)))


def assert_chain_links(rows) -> None:
    prev = GENESIS
    for number, row in enumerate(rows, start=1):
        assert row.seq == number
        assert row.prev_hash == prev
        assert row.hash == entry_hash(
            prev, row.seq, format_at(row.at), row.actor, row.type, row.payload
        )
        prev = row.hash


def test_the_events_of_real_service_calls_land_in_order_with_correct_links(make_tender, world):
    tender = make_tender("published")
    rows = ledger_rows()
    assert_chain_links(rows)
    tender_rows = [row for row in rows if row.type.startswith("tender.")]
    assert [row.type for row in tender_rows] == [
        "tender.drafted",
        "tender.document_added",
        "tender.filing_submitted",
        "tender.filing_accepted",
        "tender.published",
    ]
    assert all(json.loads(row.payload)["tender_id"] == tender.id for row in tender_rows)
    assert tender_rows[0].actor == f"user:{world.agency.id}"
    assert tender_rows[3].actor == f"user:{world.supervisor.id}"
    # what was hashed is what is stored: the canonical text, read back unchanged
    assert all(row.payload == canonical_json(json.loads(row.payload)) for row in rows)


def test_emit_returns_the_event_with_its_ledger_seq(app):
    from bidhall import events
    from bidhall.db import db

    with db.transaction():
        first = events.emit("test.first", "system:test", n=1)
        second = events.emit("test.second", "system:test", n=2)
    assert (first.seq, second.seq) == (1, 2)
    assert [row.type for row in ledger_rows()] == ["test.first", "test.second"]


def test_a_refused_service_call_leaves_no_ledger_row(make_tender, world):
    from bidhall.errors import DomainError
    from trading.tenders import services

    tender = make_tender("draft")
    before = ledger_rows()
    with pytest.raises(DomainError):
        services.publish_tender(world.agency, tender.id)  # never filed
    assert ledger_rows() == before


def test_a_unit_failing_after_its_events_were_appended_leaves_no_ledger_row(app):
    from bidhall import events
    from bidhall.accounts import services
    from bidhall.accounts.models import Organisation
    from bidhall.db import db

    services.create_organisation("system:test", "before", "bidder")
    with pytest.raises(RuntimeError, match="after the event"):
        with db.transaction():
            services.create_organisation("system:test", "rolled back", "bidder")  # joins the unit
            events.emit("test.extra", "system:test", n=1)
            raise RuntimeError("after the event")
    rows = ledger_rows()
    assert [row.type for row in rows] == ["organisation.registered"]
    assert db.session.scalars(select(Organisation.name)).all() == ["before"]
    # the chain goes on from the last committed entry
    services.create_organisation("system:test", "after", "bidder")
    rows = ledger_rows()
    assert [row.seq for row in rows] == [1, 2]
    assert_chain_links(rows)


def test_a_payload_the_ledger_cannot_hash_exactly_is_refused_with_its_unit(app):
    from bidhall import events
    from bidhall.db import db

    with pytest.raises(NotCanonical):
        with db.transaction():
            events.emit("test.ok", "system:test", n=1)
            events.emit("test.bad", "system:test", amount=12.5)
    assert ledger_rows() == []


# --- `bidhall audit verify` against tampering ---------------------------------------------------


def audit(runner, *args: str):
    # the real `bidhall` command group, run against the fixture app (FlaskCliRunner passes it)
    from bidhall.shell.cli import main

    return runner.invoke(main, ["audit", *args])


def raw(sql: str, **params) -> None:
    """Tamper as someone with database access would: raw SQL, committed, bypassing the app."""
    from bidhall.db import db

    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def verdict(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def filled_ledger(make_tender) -> list:
    make_tender("published")
    rows = ledger_rows()
    assert len(rows) >= 10
    return rows


def test_audit_verify_passes_an_intact_ledger(runner, filled_ledger):
    result = audit(runner, "verify")
    assert result.exit_code == 0, result.output
    answer = verdict(result)
    assert answer.pop("checkpoints") >= 0  # signed: see test_checkpoints.py
    assert answer == {
        "ok": True,
        "entries": len(filled_ledger),
        "head_seq": filled_ledger[-1].seq,
        "head_hash": filled_ledger[-1].hash,
    }


def test_audit_verify_passes_an_empty_ledger(runner, app):
    result = audit(runner, "verify")
    assert result.exit_code == 0
    assert verdict(result) == {
        "ok": True,
        "entries": 0,
        "head_seq": 0,
        "head_hash": GENESIS,
        "checkpoints": 0,
    }


def test_audit_verify_names_a_row_whose_payload_was_edited(runner, filled_ledger):
    row = filled_ledger[4]
    edited = json.loads(row.payload)
    edited[next(iter(edited))] = 999
    raw(
        "UPDATE ledger_entries SET payload = :payload WHERE seq = :seq",
        payload=canonical_json(edited),
        seq=row.seq,
    )
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result) == {
        "ok": False,
        "first_bad_seq": row.seq,
        "problem": "edited",
        "entries_intact": row.seq - 1,
    }
    assert f"entry {row.seq} was edited" in result.stderr


def test_audit_verify_names_a_row_whose_actor_was_edited(runner, filled_ledger):
    row = filled_ledger[6]
    raw("UPDATE ledger_entries SET actor = 'user:999' WHERE seq = :seq", seq=row.seq)
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == row.seq
    assert verdict(result)["problem"] == "edited"


def test_audit_verify_names_a_row_whose_time_was_edited(runner, filled_ledger):
    row = filled_ledger[2]
    edited = row.at.replace(microsecond=(row.at.microsecond + 1) % 1_000_000)
    raw("UPDATE ledger_entries SET at = :at WHERE seq = :seq", at=edited.isoformat(), seq=row.seq)
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == row.seq


def test_audit_verify_names_a_payload_merely_reformatted(runner, filled_ledger):
    # the same data with a space is not the hashed bytes: the stored text must stay canonical
    row = filled_ledger[3]
    raw(
        "UPDATE ledger_entries SET payload = :payload WHERE seq = :seq",
        payload=json.dumps(json.loads(row.payload)),
        seq=row.seq,
    )
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == row.seq
    # it changes no data, so an export (which carries the data) still verifies (docs/ledger.md)
    assert standalone_verifier()(export_lines(runner)) is None


def test_audit_verify_names_a_deleted_row(runner, filled_ledger):
    row = filled_ledger[5]
    raw("DELETE FROM ledger_entries WHERE seq = :seq", seq=row.seq)
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result) == {
        "ok": False,
        "first_bad_seq": row.seq,
        "problem": "missing",
        "entries_intact": row.seq - 1,
    }
    assert f"entry {row.seq} is missing" in result.stderr


def test_audit_verify_names_a_deleted_first_row(runner, filled_ledger):
    raw("DELETE FROM ledger_entries WHERE seq = 1")
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == 1


def test_audit_verify_names_the_first_of_two_rows_whose_contents_were_swapped(
    runner, filled_ledger
):
    first, second = filled_ledger[3], filled_ledger[7]
    assert (first.type, first.payload) != (second.type, second.payload)
    for target, source in ((first, second), (second, first)):
        raw(
            "UPDATE ledger_entries SET payload = :payload, type = :type, actor = :actor "
            "WHERE seq = :seq",
            payload=source.payload,
            type=source.type,
            actor=source.actor,
            seq=target.seq,
        )
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == first.seq
    assert verdict(result)["problem"] == "edited"


def test_audit_verify_names_the_first_of_two_rows_whose_seq_numbers_were_swapped(
    runner, filled_ledger
):
    first, second = filled_ledger[2].seq, filled_ledger[8].seq
    raw("UPDATE ledger_entries SET seq = -1 WHERE seq = :seq", seq=first)
    raw("UPDATE ledger_entries SET seq = :to WHERE seq = :seq", to=first, seq=second)
    raw("UPDATE ledger_entries SET seq = :to WHERE seq = -1", to=second)
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == first
    assert verdict(result)["problem"] == "broken_link"


def test_audit_verify_names_two_adjacent_rows_swapped(runner, filled_ledger):
    first, second = filled_ledger[4].seq, filled_ledger[5].seq
    raw("UPDATE ledger_entries SET seq = -1 WHERE seq = :seq", seq=first)
    raw("UPDATE ledger_entries SET seq = :to WHERE seq = :seq", to=first, seq=second)
    raw("UPDATE ledger_entries SET seq = :to WHERE seq = -1", to=second)
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == first


def test_a_row_rehashed_after_editing_breaks_the_link_of_the_next(runner, filled_ledger):
    # a forger who also recomputes the edited row's hash is caught one row later
    row, after = filled_ledger[4], filled_ledger[5]
    payload = canonical_json({"forged": 1})
    forged = entry_hash(row.prev_hash, row.seq, format_at(row.at), row.actor, row.type, payload)
    raw(
        "UPDATE ledger_entries SET payload = :payload, hash = :hash WHERE seq = :seq",
        payload=payload,
        hash=forged,
        seq=row.seq,
    )
    result = audit(runner, "verify")
    assert result.exit_code == 1
    assert verdict(result)["first_bad_seq"] == after.seq
    assert verdict(result)["problem"] == "broken_link"


# --- docs/ledger.md: the worked example and the standalone verifier -----------------------------


def doc_block(marker: str, language: str) -> str:
    """The fenced block that follows ``<!-- marker -->`` in docs/ledger.md."""
    match = re.search(
        rf"<!-- {re.escape(marker)} -->\s*```{language}\n(.*?)```",
        DOC.read_text(encoding="utf-8"),
        re.DOTALL,
    )
    assert match, f"docs/ledger.md has no {marker} block"
    return match.group(1)


def standalone_verifier():
    namespace: dict = {"__name__": "verify_ledger"}
    exec(compile(doc_block("verify_ledger.py", "python"), "verify_ledger.py", "exec"), namespace)
    return namespace["verify"]


def export_lines(runner) -> list[str]:
    result = audit(runner, "export")
    assert result.exit_code == 0, result.output
    return result.stdout.split("\n")[:-1]  # not splitlines(): text may hold a raw U+2028


def test_the_worked_example_in_the_docs_is_what_the_platform_computes():
    lines = doc_block("worked-example", "json").splitlines()
    prev = GENESIS
    for line in lines:
        entry = json.loads(line)
        assert entry["prev_hash"] == prev
        assert (
            entry_hash(
                prev,
                entry["seq"],
                entry["at"],
                entry["actor"],
                entry["type"],
                canonical_json(entry["payload"]),
            )
            == entry["hash"]
        )
        prev = entry["hash"]
    assert standalone_verifier()(lines) is None
    envelopes = doc_block("worked-example-bytes", "text").splitlines()
    assert [hashlib.sha256(line.encode("utf-8")).hexdigest() for line in envelopes] == [
        json.loads(line)["hash"] for line in lines
    ]


def test_the_standalone_verifier_agrees_with_the_platform_on_an_export(
    runner, filled_ledger, tmp_path
):
    from bidhall.db import db

    lines = export_lines(runner)
    assert len(lines) == len(filled_ledger)
    assert [json.loads(line)["hash"] for line in lines] == [row.hash for row in filled_ledger]
    verify = standalone_verifier()
    assert verify(lines) is None
    # the export file itself, as an outsider would receive it
    path = tmp_path / "ledger.jsonl"
    assert audit(runner, "export", str(path)).exit_code == 0
    with path.open(encoding="utf-8") as export:
        assert verify(export) is None
    # and both name the same first bad entry once the ledger is tampered with
    raw("UPDATE ledger_entries SET actor = 'user:999' WHERE seq = 6")
    raw("DELETE FROM ledger_entries WHERE seq = 9")
    assert verify(export_lines(runner)) == 6 == ledger.verify(db.session).first_problem.seq


@pytest.mark.parametrize("column, value", [("payload", "not json {"), ("at", "yesterday")])
def test_an_export_of_a_damaged_row_stays_json_and_both_verifiers_name_it(
    runner, filled_ledger, column, value
):
    from bidhall.db import db

    raw(f"UPDATE ledger_entries SET {column} = :value WHERE seq = 5", value=value)
    lines = export_lines(runner)
    assert len(lines) == len(filled_ledger)
    assert all(json.loads(line) for line in lines)
    assert ledger.verify(db.session).first_problem.seq == 5
    assert standalone_verifier()(lines) == 5


def test_the_standalone_verifier_names_a_missing_row(runner, filled_ledger):
    raw("DELETE FROM ledger_entries WHERE seq = 4")
    assert standalone_verifier()(export_lines(runner)) == 4


def test_the_standalone_verifier_runs_as_a_script(runner, filled_ledger, tmp_path):
    import subprocess
    import sys

    script = tmp_path / "verify_ledger.py"
    script.write_text(doc_block("verify_ledger.py", "python"), encoding="utf-8")
    export = tmp_path / "ledger.jsonl"
    assert audit(runner, "export", str(export)).exit_code == 0
    done = subprocess.run(
        [sys.executable, str(script), str(export)], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"ok: {len(filled_ledger)} entries")
    raw("UPDATE ledger_entries SET payload = '{}' WHERE seq = 3")
    assert audit(runner, "export", str(export)).exit_code == 0
    done = subprocess.run(
        [sys.executable, str(script), str(export)], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (1, "first bad seq: 3")
