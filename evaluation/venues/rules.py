"""Pure venue rules: the recusal declaration and the check-in and check-out windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bidhall.errors import InvalidInput, RuleViolation

DECLARATION_FORMAT = "bidhall-recusal/1"


# Eval-Rules Art 12 and the centre's rules, as the expert declares them (zh, then en)
DECLARATION_STATEMENT = (
    "本人承诺与本项目招标人、投标人不存在下列情形：投标人或者投标人主要负责人的近亲属；项目主管部门"
    "或者行政监督部门的人员；与投标人有经济利益关系，可能影响对投标公正评审的；曾因在招标、评标以及"
    "其他与招标投标有关活动中从事违法行为而受过行政处罚或刑事处罚的。"
    " / I declare that none of these applies to me for this tender's tenderer and bidders: a "
    "close relative of a bidder or of its principal; staff of the project's authority or of its "
    "supervisor; an economic interest in a bidder that could affect a fair evaluation; a past "
    "administrative or criminal penalty for misconduct in tendering or evaluation."
)


def declaration_document(
    *,
    draw_id: int,
    tender_id: int,
    tender_reference: str,
    tender_title: str,
    tenderer: str,
    bidders: Iterable[str],
    expert_id: int,
    expert_name: str,
    certificate_serial: str,
    venue: Mapping[str, Any] | None,
    workstation: int | None,
    no_conflict: bool,
    note: str = "",
) -> dict[str, Any]:
    """The recusal declaration as the expert signs it: Ed25519 over ``canonical(document)``.
    Everything in it is known to the server, except the expert's answer (``no_conflict``) and
    its ``note``, so the server rebuilds it to check the signature."""
    return {
        "format": DECLARATION_FORMAT,
        "draw_id": draw_id,
        "tender": {"id": tender_id, "reference": tender_reference, "title": tender_title},
        "tenderer": tenderer,
        "bidders": sorted(set(bidders)),
        "expert": {"id": expert_id, "name": expert_name},
        "certificate_serial": certificate_serial,
        "venue": None if venue is None else dict(venue),
        "workstation": workstation,
        "statement": DECLARATION_STATEMENT,
        "no_conflict": bool(no_conflict),
        "note": note,
    }


def check_declaration_open(bidders_named: bool, opening: datetime) -> None:
    """The recusal declaration names the bidders, so it is given and signed only once the
    opening has read them out (唱标; ``trading.bids.rules.disclosure``: its ``names``), Law Art 22:
    before that not even the committee may learn who has bid. Check-in needs the signed
    declaration, so it waits for the reading out too."""
    if not bidders_named:
        raise RuleViolation(
            "the recusal declaration names the bidders: it is signed, and the expert checked "
            f"in, only from the reading out of the bids at the opening ({opening.isoformat()})",
            code="declaration_not_yet",
            opening=opening.isoformat(),
        )


def check_declaration_answer(no_conflict: bool, note: str) -> None:
    if len(note) > 500:
        raise InvalidInput("the note is longer than 500 characters", field="note")
    if not no_conflict and not note.strip():
        raise RuleViolation(
            "say in the note what conflict of interest you declare", code="conflict_note"
        )


def check_checkin_window(scheduled_at: datetime, now: datetime, opens_minutes: int) -> None:
    """Check-in opens ``opens_minutes`` before the evaluation starts."""
    opens = scheduled_at - timedelta(minutes=opens_minutes)
    if now < opens:
        raise RuleViolation(
            f"check-in opens at {opens.isoformat()}", code="checkin_not_open", opens=opens
        )


def check_checkin(
    identity_confirmed: bool, phone_handed_in: bool, declared: bool, no_conflict: bool | None
) -> None:
    """The local supervisor checks an expert in only when it has confirmed the identity, the
    phone is handed in and the expert has signed a declaration of no conflict."""
    if not identity_confirmed:
        raise RuleViolation(
            "confirm the expert's identity before checking it in", code="identity_unconfirmed"
        )
    if not phone_handed_in:
        raise RuleViolation(
            "the expert's phone must be handed in before check-in", code="phone_not_handed_in"
        )
    if not declared:
        raise RuleViolation(
            "the expert has not signed the recusal declaration yet", code="declaration_missing"
        )
    if not no_conflict:
        raise RuleViolation(
            "the expert declared a conflict of interest and is recused", code="expert_recused"
        )


def check_checkout(checked_in_at: datetime, now: datetime) -> None:
    if now < checked_in_at:
        raise RuleViolation("check-out cannot precede check-in", code="checkout_before_checkin")
