"""Pure guarantee and deposit rules: issuers, terms, validity, claims and the return deadlines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bidhall.errors import Conflict, InvalidInput, RuleViolation

# --- bid guarantees and deposits (DOMAIN.md §3; §2 steps 13-14) ---------------------------------

GUARANTEE_FORMAT = "bidhall-guarantee/1"


GUARANTEE_CURRENCY = "CNY"


ISSUER_KINDS = ("bank", "guarantee_company", "insurer")


ISSUER_STATUSES = ("active", "suspended")


# which kind of e-guarantee each kind of registered issuer may issue
GUARANTEE_KIND_OF_ISSUER = {
    "bank": "bank_guarantee",
    "guarantee_company": "guarantee_company",
    "insurer": "insurance_policy",
}


GUARANTEE_KINDS = tuple(GUARANTEE_KIND_OF_ISSUER.values())


# 索赔 triggers (DOMAIN.md §3); all but fraud arise only after the bid deadline
CLAIM_TRIGGERS = (
    "withdrawal_after_deadline",
    "not_decrypted",  # revoked at the opening through the bidder's fault (E-Rules Art 31)
    "refused_contract",
    "refused_performance_security",
    "fraud",
)


_CLAIMS_ANY_TIME = ("fraud",)


# days to return deposits and release guarantees, by what started the obligation: 5 days after
# the contract is signed (Regs Art 57) or a withdrawal notice before the deadline (Regs Art 35);
# Regs Art 31 says "promptly" (及时) on termination and 5 days is the centre's reading of it; a
# replaced guarantee is released on the same convention
RETURN_DAYS = {"contract_signed": 5, "withdrawal": 5, "termination": 5, "replaced": 5}


@dataclass(frozen=True)
class GuaranteeTerms:
    """What an e-guarantee promises, as its issuer signed it."""

    number: str
    kind: str
    issuer_organisation_id: int
    applicant_organisation_id: int
    beneficiary_organisation_id: int
    tender_id: int
    tender_reference: str
    lot: int
    amount: Decimal
    currency: str
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True)
class TenderFacts:
    """What a guarantee is judged against: the tender as it stands now."""

    tender_id: int
    reference: str
    tenderer_id: int
    state: str
    bid_deadline: datetime
    bid_validity_days: int
    guarantee_amounts: Mapping[int, Decimal]  # lot number -> required guarantee


def check_issuer_registration(kind: str, licence_number: str) -> None:
    if kind not in ISSUER_KINDS:
        raise InvalidInput(
            f"an issuer is one of {', '.join(ISSUER_KINDS)}, not {kind!r}",
            code="invalid_issuer_kind",
            field="kind",
            allowed=list(ISSUER_KINDS),
        )
    if not licence_number:
        raise InvalidInput(
            "a registered issuer needs its licence number",
            code="missing_field",
            field="licence_number",
        )


def guarantee_validity_needed(deadline: datetime, bid_validity_days: int) -> datetime:
    """A guarantee must stay valid at least as long as the bids (DOMAIN.md §3)."""
    return deadline + timedelta(days=bid_validity_days)


def guarantee_covers(valid_until: datetime, deadline: datetime, bid_validity_days: int) -> bool:
    """Whether a guarantee still covers the bid validity (an amendment may move the deadline)."""
    return valid_until >= guarantee_validity_needed(deadline, bid_validity_days)


def check_guarantee_issuer(
    issuer_kind: str | None,
    issuer_status: str | None,
    certificate_organisation_id: int | None,
    named_organisation_id: int,
    guarantee_kind: str,
) -> None:
    """The signer must be an active registered issuer, the one the guarantee names, issuing
    the kind of guarantee its registration allows."""
    if issuer_kind is None or issuer_status != "active":
        raise RuleViolation(
            "the signing certificate does not belong to an active registered guarantee issuer",
            code="unknown_issuer",
        )
    if certificate_organisation_id != named_organisation_id:
        raise RuleViolation(
            "the guarantee is signed by another organisation than the issuer it names",
            code="unknown_issuer",
        )
    if GUARANTEE_KIND_OF_ISSUER[issuer_kind] != guarantee_kind:
        raise RuleViolation(
            f"a registered {issuer_kind} issues {GUARANTEE_KIND_OF_ISSUER[issuer_kind]} "
            f"guarantees, not {guarantee_kind}",
            code="wrong_guarantee_kind",
        )


def check_guarantee_terms(terms: GuaranteeTerms, tender: TenderFacts, now: datetime) -> None:
    """The platform's checks of an e-guarantee against its tender (DOMAIN.md §3): the right
    tender and beneficiary, a lot of it, CNY, at least the required amount, valid from the
    deadline at the latest until the end of the bid validity. Submitted before the deadline."""
    if terms.tender_reference != tender.reference or terms.tender_id != tender.tender_id:
        raise RuleViolation(
            f"the guarantee names tender {terms.tender_reference} (id {terms.tender_id}), "
            f"not {tender.reference}",
            code="wrong_tender",
        )
    if terms.beneficiary_organisation_id != tender.tenderer_id:
        raise RuleViolation(
            "the guarantee's beneficiary is not the tenderer of this tender",
            code="wrong_beneficiary",
        )
    if tender.state not in ("published", "suspended"):
        raise Conflict(
            f"a tender that is {tender.state} takes no guarantees",
            code="invalid_state",
            state=tender.state,
        )
    if now >= tender.bid_deadline:
        raise RuleViolation(
            "the bid deadline has passed: a guarantee must be in place before it",
            code="bid_deadline_passed",
            deadline=tender.bid_deadline.isoformat(),
        )
    if terms.lot not in tender.guarantee_amounts:
        raise RuleViolation(
            f"tender {tender.reference} has no lot {terms.lot}", code="wrong_lot", lot=terms.lot
        )
    if terms.currency != GUARANTEE_CURRENCY:
        raise RuleViolation(
            f"guarantees are in {GUARANTEE_CURRENCY}, not {terms.currency}",
            code="wrong_currency",
        )
    required = tender.guarantee_amounts[terms.lot]
    if terms.amount < required:
        raise RuleViolation(
            f"the guarantee of {terms.amount} is less than the {required} lot {terms.lot} requires",
            code="amount_too_low",
            required=str(required),
        )
    if terms.valid_until <= terms.valid_from:
        raise RuleViolation("the guarantee ends before it starts", code="invalid_validity")
    if terms.valid_from > tender.bid_deadline:
        raise RuleViolation(
            "the guarantee starts after the bid deadline: it must cover the bid from the deadline",
            code="validity_starts_late",
            deadline=tender.bid_deadline.isoformat(),
        )
    needed = guarantee_validity_needed(tender.bid_deadline, tender.bid_validity_days)
    if terms.valid_until < needed:
        raise RuleViolation(
            f"the guarantee ends {terms.valid_until.isoformat()}, before the end of the bid "
            f"validity ({tender.bid_validity_days} days after the deadline: "
            f"{needed.isoformat()})",
            code="validity_too_short",
            needed=needed.isoformat(),
        )


def check_deposit(
    rule_set_name: str,
    state: str,
    deadline: datetime,
    required: Decimal,
    amount: Decimal,
    paid_at: datetime,
    now: datetime,
    payer_account: str,
    basic_account: str | None,
) -> None:
    """A cash deposit (投标保证金): paid before the deadline, at least the required amount and,
    for construction, from the bidder's basic account (基本账户, Regs Art 26)."""
    if state not in ("published", "suspended", "closed"):
        raise Conflict(
            f"a tender that is {state} takes no deposits", code="invalid_state", state=state
        )
    if paid_at > now:
        raise InvalidInput("paid_at is in the future", code="invalid_field", field="paid_at")
    if paid_at >= deadline:
        raise RuleViolation(
            "the deposit was paid after the bid deadline",
            code="deposit_late",
            deadline=deadline.isoformat(),
        )
    if amount < required:
        raise RuleViolation(
            f"the deposit of {amount} is less than the {required} required",
            code="amount_too_low",
            required=str(required),
        )
    if rule_set_name == "construction":
        if basic_account is None:
            raise RuleViolation(
                "the bidder has no registered basic account (基本账户): construction deposits "
                "must come from it (Regs Art 26)",
                code="no_basic_account",
            )
        if normal_account(payer_account) != normal_account(basic_account):
            raise RuleViolation(
                "the deposit was not paid from the bidder's basic account (基本账户): "
                "construction deposits must come from it (Regs Art 26)",
                code="not_basic_account",
            )


def normal_account(number: str) -> str:
    """A bank account number without the spaces and dashes people write into it."""
    return "".join(ch for ch in number if ch not in " -\u3000").upper()


def check_claim(
    trigger: str,
    valid_from: datetime,
    valid_until: datetime,
    deadline: datetime,
    now: datetime,
) -> None:
    """A claim (索赔) names a DOMAIN.md §3 trigger and is made within the guarantee's validity;
    every trigger but fraud arises only after the bid deadline."""
    if trigger not in CLAIM_TRIGGERS:
        raise InvalidInput(
            f"a claim's trigger is one of {', '.join(CLAIM_TRIGGERS)}",
            code="invalid_trigger",
            field="trigger",
            allowed=list(CLAIM_TRIGGERS),
        )
    if not valid_from <= now <= valid_until:
        raise RuleViolation(
            f"claims are made within the guarantee's validity ({valid_from.isoformat()} to "
            f"{valid_until.isoformat()})",
            code="outside_validity",
        )
    if trigger not in _CLAIMS_ANY_TIME and now < deadline:
        raise RuleViolation(
            f"{trigger} can only arise after the bid deadline", code="claim_too_early"
        )


def return_due(reason: str, at: datetime) -> datetime:
    """When a deposit must be refunded or a guarantee released, counted from ``at``."""
    return at + timedelta(days=RETURN_DAYS[reason])


def deposit_interest(
    amount: Decimal, paid_at: datetime, refunded_at: datetime, yearly_rate: Decimal
) -> Decimal:
    """The bank interest on a cash deposit from its payment to its refund (Regs Art 57): whole
    days at ``yearly_rate`` on a 360-day year, to the fen."""
    days = max((refunded_at - paid_at).days, 0)
    return (amount * yearly_rate * days / 360).quantize(Decimal("0.01"))


def is_overdue(due_at: datetime, now: datetime) -> bool:
    # the due moment itself is still in time
    return now > due_at
