"""Pure sealed-bid rules: when submission is open, what may be disclosed when (Tender Law Art 22),
the summary schema and the credit commitment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import jsonschema

from bidhall.errors import Conflict, Forbidden, RuleViolation

# --- sealed bids (DOMAIN.md §2 step 6, E-Rules Art 26-28) ---------------------------------------


def check_submission_open(state: str, deadline: datetime, now: datetime) -> None:
    """Bids are accepted while the tender is published and before the deadline (exclusive: a bid
    completed at the deadline itself is late). A bid whose upload is not complete at the deadline
    counts as withdrawn: only completion counts."""
    if state == "suspended":
        raise Conflict(
            "the tender is suspended until an objection to its documents is answered (Regs Art 22)",
            code="tender_suspended",
        )
    if now >= deadline:
        raise RuleViolation(
            "the bid deadline has passed: late bids are refused (E-Rules Art 27)",
            code="bid_deadline_passed",
            deadline=deadline.isoformat(),
        )
    if state != "published":
        raise Conflict(f"a tender that is {state} takes no bids", code="invalid_state", state=state)


# --- what may be known of a tender's participants (Law Art 22; E-Rules Art 30) ------------------

# the opening hall's phases from the reading out (唱标) on, when every bidder's name is announced
NAMES_PHASES = ("reading", "read", "closed")


@dataclass(frozen=True)
class Disclosure:
    """What of a tender's participants may be shown, to anyone but the platform's own ledger.
    A bidder's own documents, bids and security are its own: this rule never hides them."""

    counts: bool  # how many firms hold the documents, have bid, are secured, are present
    names: bool  # which firms: their names and whatever tells one bid or guarantee from another


def disclosure(deadline: datetime, now: datetime, hall_phase: str | None) -> Disclosure:
    """Law Art 22: before the opening nobody may disclose how many firms hold the documents or
    have bid, nor which. The opening is the bid deadline: from it the counts are out (the hall
    announces them as it locks the bids); the names only from the reading out (E-Rules Art 30),
    to the tender's own staff as to everyone. A hall that failed (fewer than 3 bids) never
    reads out: its bidders stay unnamed."""
    opened = now >= deadline
    return Disclosure(counts=opened, names=opened and hall_phase in NAMES_PHASES)


def check_opening_reached(deadline: datetime, now: datetime) -> None:
    """Nothing is decrypted before the opening time (= the bid deadline) (E-Rules Art 28)."""
    if now < deadline:
        raise Forbidden(
            "no key, share or plaintext of a bid is handed out or accepted before the opening time",
            code="before_opening",
            opening=deadline.isoformat(),
        )


def summary_schema(lot_numbers: Sequence[int]) -> dict:
    """The JSON Schema of the bid summary read out at the opening (唱标)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["lot", "price", "duration_days", "quality", "project_manager"],
        "properties": {
            "lot": {"type": "integer", "enum": sorted(lot_numbers)},
            "price": {
                "type": "string",
                "pattern": r"^[0-9]{1,14}(\.[0-9]{1,2})?$",
                "description": "the bid price in CNY",
            },
            "duration_days": {"type": "integer", "minimum": 1, "maximum": 3650},
            "quality": {"type": "string", "minLength": 1, "maxLength": 200},
            "project_manager": {"type": "string", "minLength": 1, "maxLength": 100},
            "key_commitments": {"type": "string", "maxLength": 2000},
        },
    }


def summary_problems(summary: dict, lot_numbers: Sequence[int], lot: int) -> list[str]:
    """What in a decrypted summary does not follow the tender's schema, or names another lot
    than the bid's: the sealing tools check a summary before they encrypt it, but an envelope
    made by other means is checked only when it is opened. The reading out announces these
    problems with the summary, verbatim, for the committee to weigh; nothing is dropped."""
    validator = jsonschema.Draft202012Validator(summary_schema(lot_numbers))
    errors = sorted(validator.iter_errors(summary), key=lambda e: [str(p) for p in e.path])
    problems = [f"{'/'.join(str(p) for p in e.path) or '(summary)'}: {e.message}" for e in errors]
    if isinstance(summary, dict) and summary.get("lot") != lot:
        problems.append(f"lot: the summary names lot {summary.get('lot')!r}, the bid is for {lot}")
    return problems


def commitment_text(reference: str) -> str:
    """The credit commitment (信用承诺) every bidder signs with its bid."""
    return (
        f"信用承诺：本单位对投标项目 {reference} 所提交的投标文件及资料真实、合法、有效，"
        "不存在串通投标、弄虚作假等失信行为，如有违反，愿意承担相应法律责任并接受信用惩戒。 / "
        f"Credit commitment: for tender {reference} our bid and its documents are true, lawful "
        "and valid; we do not collude or falsify, and accept legal liability and credit "
        "sanctions for any breach."
    )
