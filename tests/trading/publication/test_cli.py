"""`bidhall ocds export [--tender T] [--output FILE]`: the published releases as one package."""

from __future__ import annotations

import json

from tests.trading.publication import schema


def test_export_writes_every_published_release_as_a_valid_package(runner, make_tender, tmp_path):
    make_tender("published")
    make_tender("published")
    out = tmp_path / "releases.json"
    result = runner.invoke(args=["ocds", "export", "--output", str(out)])
    assert result.exit_code == 0, result.output
    package = json.loads(out.read_text(encoding="utf-8"))
    assert len(package["releases"]) == 2
    schema.assert_valid_release_package(package)


def test_export_of_one_tender_holds_its_releases_only(runner, make_tender, world):
    from trading.tenders import services

    make_tender("published")
    tender = make_tender("published")
    services.terminate_tender(world.agency, tender.id, "the project was cancelled")
    result = runner.invoke(args=["ocds", "export", "--tender", tender.reference])
    assert result.exit_code == 0, result.output
    package = json.loads(result.output)
    assert {r["tender"]["id"] for r in package["releases"]} == {tender.reference}
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderCancellation"]]


def test_export_of_an_unknown_tender_fails_with_a_one_line_error(runner, tmp_path):
    out = tmp_path / "releases.json"
    result = runner.invoke(args=["ocds", "export", "--tender", "BH-1999-99999", "--output", out])
    assert result.exit_code == 2
    assert "tender_not_found" in result.output
    assert not out.exists()
