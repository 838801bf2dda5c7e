"""What may be archived, and for how long: plain Python."""

from __future__ import annotations

import bisect
from datetime import date, datetime

from bidhall.errors import Conflict

FORMAT = "bidhall-archive/1"
MANIFEST = "manifest.json"
# a tender is over when it failed, was terminated, or its evaluation ended (report sealed, or the
# session terminated); the opening alone is not the end
OVER_STATES = ("failed", "terminated")
SESSION_OVER_STATES = ("finished", "terminated")


class TenderNotFinished(Conflict):
    def __init__(self, reference: str, state: str, session_state: str | None) -> None:
        where = f"evaluation {session_state}" if session_state else "no evaluation finished"
        super().__init__(
            f"tender {reference} is not finished ({state}, {where}): only a finished, failed "
            "or terminated tender is archived",
            code="tender_not_finished",
        )


def check_archivable(reference: str, state: str, session_state: str | None) -> None:
    if state in OVER_STATES:
        return
    if state == "opened" and session_state in SESSION_OVER_STATES:
        return
    raise TenderNotFinished(reference, state, session_state)


def retain_until(ended: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return ended.replace(year=ended.year + years)
    except ValueError:
        return ended.replace(year=ended.year + years, day=28)


def concerns(payload: object, ids: dict[str, set[int]]) -> bool:
    """Whether a ledger payload names one of ``ids`` (``{"tender_id": {12}, "bid_id": {...}}``)
    at its top level."""
    if not isinstance(payload, dict):
        return False
    return any(payload.get(key) in wanted for key, wanted in ids.items() if key in payload)


def segments(concerning: list[int], checkpoint_seqs: list[int]) -> list[tuple[int, int]]:
    """The contiguous ranges of the chain that tie every concerning entry to the first signed
    checkpoint at or after it: ``[(first, last), ...]``, merged, ``last`` always a checkpoint's
    seq. Raises ValueError for an entry no checkpoint covers (sign one first)."""
    ranges: list[tuple[int, int]] = []
    for seq in sorted(set(concerning)):
        at = bisect.bisect_left(checkpoint_seqs, seq)
        if at == len(checkpoint_seqs):
            raise ValueError(seq)
        end = checkpoint_seqs[at]
        if ranges and seq <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((seq, end))
    return ranges


def ended_at(*candidates: datetime | None) -> datetime | None:
    """The latest of the tender's end moments that are set."""
    known = [c for c in candidates if c is not None]
    return max(known) if known else None
