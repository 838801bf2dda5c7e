"""Business rules of the tender life cycle (DOMAIN.md §2, §3). No Flask, no database session.

Every number is a default of a rule set; a centre can tighten it through RULE_SET_OVERRIDES.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from bidhall.errors import Conflict, Forbidden, InvalidInput, RuleViolation

# --- rule sets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    name: str
    min_bid_days: int  # first issue of documents -> bid deadline (Law Art 24; GPL)
    min_download_days: int  # sale/download period (Regs Art 16)
    amendment_notice_days: (
        int  # a preparation-affecting notice this long before the deadline (Regs Art 21)
    )
    objection_days_before_deadline: int  # objections to the documents (Regs Art 22)
    objection_answer_days: int  # the tenderer answers within (Regs Art 22)
    guarantee_max_rate: Decimal  # of the estimated price / budget (Regs Art 26; GP)
    guarantee_cap: Decimal | None  # construction works (Works-30 Art 37)
    min_decrypt_window_minutes: int = 15
    max_bid_validity_days: int = 365


RULE_SETS: dict[str, RuleSet] = {
    "construction": RuleSet(
        name="construction",
        min_bid_days=20,
        min_download_days=5,
        amendment_notice_days=15,
        objection_days_before_deadline=10,
        objection_answer_days=3,
        guarantee_max_rate=Decimal("0.02"),
        guarantee_cap=Decimal("800000"),
    ),
    "gov_procurement": RuleSet(
        name="gov_procurement",
        min_bid_days=20,
        min_download_days=5,
        amendment_notice_days=15,
        objection_days_before_deadline=10,
        objection_answer_days=3,
        guarantee_max_rate=Decimal("0.02"),
        guarantee_cap=None,
    ),
}

CATEGORIES = ("works", "goods", "services")
METHODS = ("lowest_price", "comprehensive")
CRITERION_KINDS = ("price", "technical", "commercial")
# GP-87 Art 55: weight of the price score under comprehensive scoring
GP_PRICE_WEIGHT = {"goods": (30, 60), "services": (10, 30)}


_LOWER_IS_LOOSER = {
    "min_bid_days",
    "min_download_days",
    "amendment_notice_days",
    "min_decrypt_window_minutes",
}
# a bigger objection lead time shortens the bidders' window, so it is looser too
_HIGHER_IS_LOOSER = {
    "guarantee_max_rate",
    "guarantee_cap",
    "objection_answer_days",
    "objection_days_before_deadline",
    "max_bid_validity_days",
}


def rule_set(name: str, overrides: Mapping[str, Mapping] | None = None) -> RuleSet:
    """The named rule set, tightened by a centre's overrides. Overrides may only tighten."""
    if name not in RULE_SETS:
        raise InvalidInput(
            f"unknown rule set {name!r}", code="invalid_rule_set", allowed=sorted(RULE_SETS)
        )
    base = RULE_SETS[name]
    changes = dict((overrides or {}).get(name, {}))
    for key, value in changes.items():
        legal = getattr(base, key)
        if (key in _LOWER_IS_LOOSER and value < legal) or (
            key in _HIGHER_IS_LOOSER and legal is not None and value > legal
        ):
            raise ValueError(
                f"rule set override {name}.{key}={value} is looser than the law ({legal})"
            )
    return replace(base, **changes)


# --- drafting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotTerms:
    number: int
    title: str
    estimated_price: Decimal
    ceiling_price: Decimal
    guarantee_amount: Decimal


def check_lots(rules: RuleSet, lots: Sequence[LotTerms]) -> None:
    if not lots:
        raise RuleViolation("a tender needs at least one lot", code="no_lots")
    numbers = [lot.number for lot in lots]
    if len(set(numbers)) != len(numbers):
        raise RuleViolation("lot numbers must be unique", code="duplicate_lot")
    for lot in lots:
        check_lot_prices(rules, lot)


def check_lot_prices(rules: RuleSet, lot: LotTerms) -> None:
    if lot.estimated_price <= 0 or lot.ceiling_price <= 0:
        raise RuleViolation(f"lot {lot.number}: prices must be positive", code="invalid_price")
    if lot.ceiling_price > lot.estimated_price:
        raise RuleViolation(
            f"lot {lot.number}: the ceiling price {lot.ceiling_price} exceeds the estimated "
            f"price {lot.estimated_price}",
            code="ceiling_above_estimate",
        )
    if lot.guarantee_amount < 0:
        raise RuleViolation(
            f"lot {lot.number}: a guarantee cannot be negative", code="invalid_guarantee"
        )
    limit = max_guarantee(rules, lot.estimated_price)
    if lot.guarantee_amount > limit:
        raise RuleViolation(
            f"lot {lot.number}: the bid guarantee {lot.guarantee_amount} exceeds the limit of "
            f"{limit} ({_rate(rules)} of the estimated price"
            + (f", at most {rules.guarantee_cap}" if rules.guarantee_cap is not None else "")
            + ")",
            code="guarantee_too_high",
            limit=str(limit),
        )


def max_guarantee(rules: RuleSet, estimated_price: Decimal) -> Decimal:
    limit = (estimated_price * rules.guarantee_max_rate).quantize(Decimal("0.01"))
    if rules.guarantee_cap is not None:
        limit = min(limit, rules.guarantee_cap)
    return limit


def check_criteria(
    method: str, category: str, rule_set_name: str, criteria: Sequence[Mapping]
) -> None:
    """Comprehensive scoring needs criteria totalling 100 points, with one price criterion whose
    weight is inside the GP-87 range for goods and services; lowest-price needs none."""
    if method not in METHODS:
        raise InvalidInput(
            f"unknown evaluation method {method!r}", code="invalid_method", allowed=list(METHODS)
        )
    if category not in CATEGORIES:
        raise InvalidInput(
            f"unknown category {category!r}", code="invalid_category", allowed=list(CATEGORIES)
        )
    names = set()
    for item in criteria:
        if item.get("kind") not in CRITERION_KINDS:
            raise InvalidInput(
                f"criterion {item.get('name')!r}: kind must be one of {', '.join(CRITERION_KINDS)}",
                code="invalid_criterion",
            )
        if not isinstance(item.get("max_score"), int) or item["max_score"] <= 0:
            raise InvalidInput(
                f"criterion {item.get('name')!r}: max_score must be a positive whole number",
                code="invalid_criterion",
            )
        if not item.get("name") or item["name"] in names:
            raise InvalidInput("every criterion needs a unique name", code="invalid_criterion")
        names.add(item["name"])
    if method == "lowest_price":
        return
    total = sum(item["max_score"] for item in criteria)
    if total != 100:
        raise RuleViolation(
            f"comprehensive scoring criteria must total 100 points, not {total}",
            code="criteria_total",
        )
    price = [item for item in criteria if item["kind"] == "price"]
    if len(price) != 1:
        raise RuleViolation(
            "comprehensive scoring needs exactly one price criterion", code="price_criterion"
        )
    if rule_set_name == "gov_procurement" and category in GP_PRICE_WEIGHT:
        low, high = GP_PRICE_WEIGHT[category]
        weight = price[0]["max_score"]
        if not low <= weight <= high:
            raise RuleViolation(
                f"for {category} the price weight must be {low}–{high}% (GP-87 Art 55), not "
                f"{weight}%",
                code="price_weight",
            )


def check_bid_validity(rules: RuleSet, days: int) -> None:
    if not 1 <= days <= rules.max_bid_validity_days:
        raise RuleViolation(
            f"bid validity must be 1 to {rules.max_bid_validity_days} days",
            code="invalid_bid_validity",
        )


def check_decrypt_window(rules: RuleSet, minutes: int) -> None:
    if minutes < rules.min_decrypt_window_minutes or minutes > 24 * 60:
        raise RuleViolation(
            f"the decryption window must be {rules.min_decrypt_window_minutes} minutes to 24 hours",
            code="invalid_decrypt_window",
        )


# --- schedule -----------------------------------------------------------------------------------


def check_schedule(
    rules: RuleSet, issue_start: datetime, issue_end: datetime, deadline: datetime
) -> None:
    """The legal minimum periods. Both edges are inclusive: exactly 20 days passes."""
    if issue_end - issue_start < timedelta(days=rules.min_download_days):
        raise RuleViolation(
            f"the document download period must last at least {rules.min_download_days} days "
            "(Regs Art 16)",
            code="download_period_too_short",
        )
    if issue_end > deadline:
        raise RuleViolation(
            "the download period cannot end after the bid deadline", code="download_after_deadline"
        )
    if deadline - issue_start < timedelta(days=rules.min_bid_days):
        raise RuleViolation(
            f"at least {rules.min_bid_days} days must pass from the first issue of the documents "
            "to the bid deadline (Law Art 24)",
            code="bid_period_too_short",
            shortfall_seconds=int(
                (timedelta(days=rules.min_bid_days) - (deadline - issue_start)).total_seconds()
            ),
        )


def actual_issue_start(planned: datetime, now: datetime) -> datetime:
    """Documents are issued when the notice is published, never before it."""
    return max(planned, now)


def deadline_after_notice(
    rules: RuleSet, deadline: datetime, now: datetime, affects_preparation: bool
) -> datetime:
    """Regs Art 21: a notice that may affect bid preparation needs 15 days before the deadline;
    when fewer remain the deadline moves so that exactly 15 remain."""
    if not affects_preparation:
        return deadline
    earliest = now + timedelta(days=rules.amendment_notice_days)
    return max(deadline, earliest)


def check_objection_window(rules: RuleSet, deadline: datetime, now: datetime) -> None:
    if deadline - now < timedelta(days=rules.objection_days_before_deadline):
        raise RuleViolation(
            f"objections to the documents must be raised at least "
            f"{rules.objection_days_before_deadline} days before the bid deadline (Regs Art 22)",
            code="objection_too_late",
        )


def objection_answer_due(rules: RuleSet, raised_at: datetime) -> datetime:
    return raised_at + timedelta(days=rules.objection_answer_days)


def check_download_window(issue_start: datetime, issue_end: datetime, now: datetime) -> None:
    if now < issue_start:
        raise RuleViolation("the documents are not issued yet", code="download_not_open")
    if now >= issue_end:
        raise RuleViolation("the document download period has ended", code="download_closed")


# --- state machine ------------------------------------------------------------------------------

# action -> states it may start from
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "edit": ("draft", "returned"),
    "submit_filing": ("draft", "returned"),
    "decide_filing": ("filing",),
    "publish": ("filed",),
    "download": ("published",),
    "ask": ("published",),
    "notice": ("published", "suspended"),
    "object": ("published",),
    "answer_objection": ("published", "suspended"),
    "terminate": (
        "draft",
        "filing",
        "returned",
        "filed",
        "published",
        "suspended",
        "closed",
        "opened",
    ),
}


def check_action(action: str, state: str) -> None:
    if state not in ALLOWED_FROM[action]:
        if action in ("download", "ask", "object") and state == "suspended":
            raise Conflict(
                "the tender is suspended until an objection to its documents is "
                "answered (Regs Art 22)",
                code="tender_suspended",
            )
        raise Conflict(
            f"a tender that is {state} cannot be {_PAST[action]}",
            code="invalid_state",
            state=state,
            action=action,
        )


_PAST = {
    "edit": "edited",
    "submit_filing": "submitted for filing",
    "decide_filing": "decided",
    "publish": "published",
    "download": "downloaded",
    "ask": "asked about",
    "notice": "clarified or amended",
    "object": "objected to",
    "answer_objection": "answered",
    "terminate": "terminated",
}


def next_check(
    state: str,
    issue_end: datetime,
    deadline: datetime,
    download_closed: bool,
    open_objection_due: datetime | None,
) -> datetime | None:
    """When the tender next needs the tick's attention (DESIGN.md §3 "next check")."""
    times: list[datetime] = []
    if state in ("published", "suspended"):
        if not download_closed:
            times.append(issue_end)
        if state == "published":
            times.append(deadline)
        if open_objection_due is not None:
            times.append(open_objection_due)
    return min(times) if times else None


def _rate(rules: RuleSet) -> str:
    return f"{(rules.guarantee_max_rate * 100).normalize()}%"


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


def commitment_text(reference: str) -> str:
    """The credit commitment (信用承诺) every bidder signs with its bid."""
    return (
        f"信用承诺：本单位对投标项目 {reference} 所提交的投标文件及资料真实、合法、有效，"
        "不存在串通投标、弄虚作假等失信行为，如有违反，愿意承担相应法律责任并接受信用惩戒。 / "
        f"Credit commitment: for tender {reference} our bid and its documents are true, lawful "
        "and valid; we do not collude or falsify, and accept legal liability and credit "
        "sanctions for any breach."
    )


def check_not_blacklisted(until: datetime | None, reason: str | None) -> None:
    if until is not None:
        raise Forbidden(
            f"the organisation is on the black list (失信) until {until:%Y-%m-%d}: {reason}",
            code="blacklisted",
            until=until.isoformat(),
        )


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


def is_overdue(due_at: datetime, now: datetime) -> bool:
    # the due moment itself is still in time
    return now > due_at
