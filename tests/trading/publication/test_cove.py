"""libcoveocds, the Open Contracting Partnership's own checker, as a second opinion on what we
publish, offline.

libcoveocds reads the standard from a ZIP of the standard's repository (its ``standard_zip``
setting; by default it downloads one). We hand it one built in memory from the offline schema
copy (tests/trading/publication/schema.py). That copy lacks the versioned release schema, which
only checks a record's ``versionedRelease`` (we publish none), so a permissive Draft 4 stand-in
takes its place. The extensions cannot be fetched offline: libcoveocds then reports them as
"fetching failed" and their fields (``bids``, ``tender.lots``) as additional fields, which is
all these tests allow beyond the core schema."""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache

import pytest

from tests.trading.publication import schema
from tests.trading.publication.test_ocds import opened, package, release

pytest.importorskip("libcoveocds")

EXTENSION_FIELDS = {("/releases", "bids"), ("/releases/tender", "lots")}


@cache
def standard_zip(folder: str) -> bytes:
    from pathlib import Path

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.suffix in (".json", ".csv"):
                archive.write(path, f"standard-1__1__5/schema/{path.relative_to(folder)}")
        archive.writestr(
            "standard-1__1__5/schema/versioned-release-validation-schema.json",
            json.dumps({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}),
        )
    return buffer.getvalue()


def review(data: dict) -> dict:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig(
        {"standard_zip": standard_zip(str(schema.schema_dir())), "context": "api"}
    )
    return ocds_json_output(json_data=json.loads(json.dumps(data)), lib_cove_ocds_config=config)


def assert_clean(result: dict) -> None:
    assert result["validation_errors"] == []
    assert result["additional_closed_codelist_values"] == {}
    assert result["additional_checks"] == {}
    extra = {(field["path"], field["field"]) for field in result["additional_fields"]}
    assert extra <= EXTENSION_FIELDS


def test_libcoveocds_finds_nothing_wrong_with_a_life_cycle_of_releases():
    releases = [
        release("tender.published", seq=1),
        release("tender.failed", seq=2, state="failed", opening=opened(read=False)),
        release("opening.record_published", seq=3, state="opened", opening=opened()),
    ]
    assert_clean(review(package(*releases)))


def test_libcoveocds_rejects_a_broken_package():
    broken = release("tender.published")
    broken["tag"] = ["opening"]
    broken["tender"]["value"]["amount"] = "11500000.00"
    result = review(package(broken))
    assert [e["path"] for e in result["validation_errors"]] == ["releases/0/tender/value/amount"]
    assert "releases/tag" in result["additional_closed_codelist_values"]
