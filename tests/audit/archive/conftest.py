"""A tender taken through the real services to its sealed evaluation report (the ``committee``
fixture of tests/fixtures/sessions.py, ranked, finalized and signed by every member), and
helpers that rewrite an exported archive the way a forger would."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest


@pytest.fixture
def finished(committee):
    """The committee's tender with its report sealed: the tender is over."""
    committee.to_ranking()
    committee.run(committee.member(1), "finalize")
    for seat in committee.seats:
        committee.sign(seat)
    return committee


@pytest.fixture
def exported(finished, tmp_path) -> Path:
    """The finished tender's archive, exported by the service."""
    from audit.archive import services

    return services.export_archive(str(finished.tender_id), tmp_path / "archive.zip").path


@pytest.fixture
def root_pem(app) -> str:
    from bidhall.crypto import services as crypto

    return crypto.root_pem()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, contents: dict[str, bytes], out: Path | None = None) -> Path:
    """The archive with exactly ``contents`` (name -> bytes), as a new file."""
    out = out or path.with_name("forged.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return out


def one_byte_changed(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def manifest(contents: dict[str, bytes]) -> dict:
    return json.loads(contents["manifest.json"])


@pytest.fixture(scope="session")
def other_ca(tmp_path_factory):
    """Another authority, with the same names as the platform's."""
    from datetime import UTC, datetime

    from bidhall.crypto import ca

    issued = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    return ca.init_ca(tmp_path_factory.mktemp("other-ca") / "ca", None, issued)


def resigned(contents: dict[str, bytes]) -> dict[str, bytes]:
    """``contents`` with the manifest's member hashes recomputed and signed again with the
    platform's own key: what only someone holding that key could make. The archive's inner
    checks (the chain, its checkpoints, the receipts) must still catch what was changed."""
    import hashlib

    from bidhall.crypto import signed

    body = manifest(contents)["manifest"]
    for member in body["members"]:
        data = contents[member["path"]]
        member["sha256"], member["size"] = hashlib.sha256(data).hexdigest(), len(data)
    document = signed.sign(body, "manifest")
    return {**contents, "manifest.json": json.dumps(document).encode()}


def ledger_lines(contents: dict[str, bytes]) -> list[dict]:
    return [json.loads(line) for line in contents["ledger/entries.jsonl"].decode().splitlines()]


def with_ledger(contents: dict[str, bytes], entries: list[dict]) -> dict[str, bytes]:
    text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
    return {**contents, "ledger/entries.jsonl": text.encode()}
