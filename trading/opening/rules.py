"""Pure opening-hall rules: the hall's phases, a bid's outcomes, who is who in a hall, the
decryption window and what is read out."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from bidhall.errors import Conflict
from trading.bids.models import Bid
from trading.opening.models import Opening
from trading.tenders.models import Tender

MIN_BIDS = 3  # Regs Art 44
READ_ITEMS = ("lot", "price", "duration_days", "quality", "project_manager", "key_commitments")
MAX_TEXT = 2000
SYSTEM = "system:opening"


class Phase(enum.StrEnum):
    WAITING = "waiting"  # before the deadline: sign-in, countdown
    DECRYPTING = "decrypting"  # bids locked; bidders decrypt within the window
    READING = "reading"  # every bid decided; the host reads out
    READ = "read"  # all read out; objections answered; the host may close
    CLOSED = "closed"  # record signed and published
    FAILED = "failed"  # fewer than 3 bids: re-tender


class Outcome(enum.StrEnum):
    PENDING = "pending"
    DECRYPTED = "decrypted"  # by the bidder, remotely
    EXCUSED = "excused"  # not the bidder's fault (agency's decision): custodians' shares asked
    RECOVERED = "recovered"  # decrypted from t custodian shares
    REVOKED = "revoked"  # not decrypted in time, the bidder's fault (撤销)
    WITHDRAWN = "withdrawn"  # not decrypted, not its fault, no recovery (撤回)
    LOT_FAILED = "lot_failed"  # its lot had fewer than 3 bids: not opened


UNDECIDED = (Outcome.PENDING, Outcome.EXCUSED)
OPENED = (Outcome.DECRYPTED, Outcome.RECOVERED)


# --- who is who in a hall -----------------------------------------------------------------------


class HallRole(enum.StrEnum):
    MANAGER = "manager"  # the tenderer or its agency: hosts the opening
    SUPERVISOR = "supervisor"
    BIDDER = "bidder"  # an organisation with a bid in the tender
    PUBLIC = "public"  # anyone, read-only, once the names are public (reading out)


# --- phases and windows -------------------------------------------------------------------------


def check_phase(opening: Opening, phase: Phase, why: str) -> None:
    if opening.phase != phase:
        raise Conflict(f"{why} (the hall is {opening.phase})", code=f"hall_{opening.phase}")


def decrypt_window(tender: Tender) -> timedelta:
    return timedelta(minutes=tender.decrypt_window_minutes)


def shares_due(bid: Bid, tender: Tender) -> datetime:
    """When the custodians' shares of an excused bid are due: one window after the excuse."""
    return bid.excused_at + decrypt_window(tender)


# --- the reading out ----------------------------------------------------------------------------


def read_items(summary: dict | None) -> list[list]:
    """The items announced for a bid, verbatim from its decrypted summary in a fixed order: the
    server computes nothing (no total, no rank) that anyone could dispute later."""
    if not summary:
        return []
    return [[item, summary[item]] for item in READ_ITEMS if item in summary]
