"""The archive's plain rules: what may be archived, the ledger segments, the retention date."""

from __future__ import annotations

from datetime import date

import pytest

from audit.archive import rules
from bidhall.errors import Conflict


def test_segments_run_from_each_entry_to_the_next_checkpoint_and_merge():
    assert rules.segments([3, 5, 20], [4, 6, 10, 25]) == [(3, 6), (20, 25)]


def test_an_entry_on_a_checkpoint_is_its_own_segment_end():
    assert rules.segments([4], [4, 9]) == [(4, 4)]


def test_adjacent_segments_merge():
    assert rules.segments([3, 5], [4, 6]) == [(3, 6)]


def test_an_entry_after_the_last_checkpoint_has_no_segment():
    with pytest.raises(ValueError):
        rules.segments([12], [4, 10])


def test_retention_from_29_february_ends_on_28_february():
    assert rules.retain_until(date(2028, 2, 29), 15) == date(2043, 2, 28)


@pytest.mark.parametrize(
    ("state", "session"),
    [("failed", None), ("terminated", None), ("opened", "finished"), ("opened", "terminated")],
)
def test_a_tender_that_is_over_may_be_archived(state, session):
    rules.check_archivable("BH-1", state, session)


@pytest.mark.parametrize(
    ("state", "session"),
    [("published", None), ("closed", None), ("opened", None), ("opened", "open")],
)
def test_a_tender_not_over_is_refused(state, session):
    with pytest.raises(Conflict) as refused:
        rules.check_archivable("BH-1", state, session)
    assert refused.value.code == "tender_not_finished"


def test_a_payload_concerns_the_tender_by_any_of_its_ids():
    ids = {"tender_id": {12}, "bid_id": {5, 6}}
    assert rules.concerns({"bid_id": 6}, ids)
    assert not rules.concerns({"bid_id": 60, "tender_id": 1}, ids)
