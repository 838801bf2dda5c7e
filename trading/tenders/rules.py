"""Pure tender rules: the rule sets (construction, government procurement), lots, criteria, the
legal time limits and the state machine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from bidhall.errors import Conflict, InvalidInput, RuleViolation

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


# how the award is decided (DOMAIN.md §2 step 10): the first candidate, or, under 评定分离, by the
# tenderer's award committee among the candidates: its vote, a price competition, or a lottery
AWARD_METHODS = ("first_candidate", "committee_vote", "price_competition", "lottery")


def check_award_method(method: str) -> None:
    if method not in AWARD_METHODS:
        raise InvalidInput(
            f"award_method: one of {', '.join(AWARD_METHODS)}",
            code="invalid_award_method",
            field="award_method",
        )


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
        raise RuleViolation(
            f"lot {lot.number}: prices must be positive",
            code="invalid_price",
            field="ceiling_price" if lot.estimated_price > 0 else "estimated_price",
            lot=lot.number,
        )
    if lot.ceiling_price > lot.estimated_price:
        raise RuleViolation(
            f"lot {lot.number}: the ceiling price {lot.ceiling_price} exceeds the estimated "
            f"price {lot.estimated_price}",
            code="ceiling_above_estimate",
            field="ceiling_price",
            lot=lot.number,
        )
    if lot.guarantee_amount < 0:
        raise RuleViolation(
            f"lot {lot.number}: a guarantee cannot be negative",
            code="invalid_guarantee",
            field="guarantee_amount",
            lot=lot.number,
        )
    limit = max_guarantee(rules, lot.estimated_price)
    if lot.guarantee_amount > limit:
        raise RuleViolation(
            f"lot {lot.number}: the bid guarantee {lot.guarantee_amount} exceeds the limit of "
            f"{limit} ({_rate(rules)} of the estimated price"
            + (f", at most {rules.guarantee_cap}" if rules.guarantee_cap is not None else "")
            + ")",
            code="guarantee_too_high",
            field="guarantee_amount",
            lot=lot.number,
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
            field="issue_end",
        )
    if issue_end > deadline:
        raise RuleViolation(
            "the download period cannot end after the bid deadline",
            code="download_after_deadline",
            field="issue_end",
        )
    if deadline - issue_start < timedelta(days=rules.min_bid_days):
        raise RuleViolation(
            f"at least {rules.min_bid_days} days must pass from the first issue of the documents "
            "to the bid deadline (Law Art 24)",
            code="bid_period_too_short",
            field="bid_deadline",
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
