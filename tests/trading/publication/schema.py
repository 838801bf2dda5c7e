"""The OCDS 1.1.5 schemas, offline, for validating what we publish (jsonschema Draft 4).

No PyPI package ships the 1.1.5 schemas for offline use (libcoveocds and ocdsmerge fetch them
from the standard's site), so the tests read the unmodified copies in the folder
``OCDS_SCHEMA_DIR`` names, by default /work/shared/ocds-1.1.5, and skip with that reason when it
is absent."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest

DEFAULT_DIR = "/work/shared/ocds-1.1.5"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def schema_dir() -> Path:
    folder = Path(os.environ.get("OCDS_SCHEMA_DIR", DEFAULT_DIR))
    if not (folder / "release-schema.json").is_file():
        pytest.skip(
            f"the OCDS 1.1.5 schemas are not at {folder} (set OCDS_SCHEMA_DIR to a copy of the "
            "standard's schema/ folder of tag 1__1__5)"
        )
    return folder


@cache
def _load(folder: str, name: str) -> dict:
    return json.loads((Path(folder) / name).read_text(encoding="utf-8"))


def release_schema() -> dict:
    return _load(str(schema_dir()), "release-schema.json")


def validator(package_schema: str):
    """A Draft 4 validator with format checks for a package schema, resolving the release
    schema's URL to the local copy."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    folder = str(schema_dir())
    release = Resource.from_contents(_load(folder, "release-schema.json"), DRAFT4)
    registry = Registry().with_resource(RELEASE_URL, release)
    return Draft4Validator(
        _load(folder, package_schema),
        registry=registry,
        format_checker=Draft4Validator.FORMAT_CHECKER,
    )


def problems(package: dict, package_schema: str = "release-package-schema.json") -> list[str]:
    found = validator(package_schema).iter_errors(package)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def assert_valid_release_package(package: dict) -> None:
    assert problems(package) == []


def assert_valid_record_package(package: dict) -> None:
    assert problems(package, "record-package-schema.json") == []
