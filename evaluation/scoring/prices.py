"""Price scores and the abnormally-low-price check of the evaluation (DOMAIN.md §4 "Methods").

The formulas (``PriceFormula.kind``), data of the tender read by ``price_formula_of``:

- ``lowest_evaluated``: the lowest evaluated price method (经评审的最低投标价法). No price
  score; the passing bids are ranked by evaluated price, lowest first.
- ``lowest_price_base``: GP-87 Art 55 (低价优先法). base = the lowest valid price;
  score = base / price × max_score, so the lowest bid gets the whole max_score.
- ``mean_minus_k``: the construction centres' base. base = mean(valid prices) × (1 − k). A
  price d % away from the base, d = |price − base| / base × 100, loses d × deduct_above points
  when above the base and d × deduct_below points when below it; d is not rounded, so a
  fraction of 1 % deducts that fraction of the points (linear interpolation).
  score = max(0, max_score − deduction): the floor is 0.

The platform's defaults, used when the tender gives no spec or leaves a parameter out (each is
configurable per tender through its spec): method ``lowest_price`` -> ``lowest_evaluated``;
``gov_procurement`` -> ``lowest_price_base`` (the only formula GP-87 Art 55 allows there, so
``mean_minus_k`` is refused for it); ``construction`` -> ``mean_minus_k`` with k = 0.02, 1 point
per 1 % above and 0.5 point per 1 % below the base.

Rounding: a price score is computed exactly (multiplications first, the one division last, in
a 60-digit context) and rounded half-up to 2 places once, at the end. That rounded figure is the
published price score, and the one that enters the members' totals (``rules.results``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, TypeVar

from bidhall.errors import InvalidInput, RuleViolation
from evaluation.scoring.numbers import EXACT, amount, half_up, setting
from trading.tenders.rules import METHODS, RULE_SETS

K = TypeVar("K", bound=Hashable)

FORMULA_KINDS = ("lowest_evaluated", "lowest_price_base", "mean_minus_k")
MAX_K = Decimal("0.1")

# the platform's defaults (module docstring); a tender's spec overrides any of them
DEFAULT_KIND = {"construction": "mean_minus_k", "gov_procurement": "lowest_price_base"}
DEFAULT_PARAMETERS = {
    "k": Decimal("0.02"),
    "deduct_above": Decimal("1"),
    "deduct_below": Decimal("0.5"),
}

# the parameters each formula takes; any other key of a spec is refused
PARAMETERS: dict[str, tuple[str, ...]] = {
    "lowest_evaluated": (),
    "lowest_price_base": (),
    "mean_minus_k": ("k", "deduct_above", "deduct_below"),
}


def _invalid(message: str, **details: Any) -> InvalidInput:
    return InvalidInput(message, code="invalid_price_formula", **details)


@dataclass(frozen=True)
class PriceFormula:
    """How the price criterion is scored (module docstring). Checked when built."""

    kind: str
    k: Decimal = Decimal("0")
    deduct_above: Decimal = Decimal("0")  # points per 1 % above the base
    deduct_below: Decimal = Decimal("0")  # points per 1 % below the base

    def __post_init__(self) -> None:
        if self.kind not in FORMULA_KINDS:
            raise _invalid(
                f"unknown price formula {self.kind!r}; it must be one of "
                f"{', '.join(FORMULA_KINDS)}",
                field="kind",
                allowed=list(FORMULA_KINDS),
            )
        values = {
            name: amount(getattr(self, name), what=name, code="invalid_price_formula", field=name)
            for name in ("k", "deduct_above", "deduct_below")
        }
        if self.kind != "mean_minus_k":
            for name, value in values.items():
                if value != 0:
                    raise _invalid(
                        f"{name} applies only to the mean_minus_k formula, not {self.kind}",
                        field=name,
                    )
            return
        if not 0 <= values["k"] <= MAX_K:
            raise _invalid(f"k must be between 0 and {MAX_K}, not {values['k']}", field="k")
        for name in ("deduct_above", "deduct_below"):
            if values[name] < 0:
                raise _invalid(f"{name} cannot be negative ({values[name]})", field=name)
        if values["deduct_above"] == 0 and values["deduct_below"] == 0:
            # every bid would get the whole max_score: price would not count at all
            raise _invalid(
                "mean_minus_k needs a deduction above or below the base; both are 0",
                field="deduct_above",
            )


def price_formula_of(rule_set: str, method: str, spec: Mapping | None) -> PriceFormula:
    """The tender's price formula from its spec ``{"kind", "k", "deduct_above",
    "deduct_below"}`` (numbers as Decimals, ints, decimal strings or JSON floats). ``None``, a
    missing kind or a missing parameter take the platform's defaults (module docstring)."""
    if method not in METHODS:
        raise InvalidInput(
            f"unknown evaluation method {method!r}", code="invalid_method", allowed=list(METHODS)
        )
    if rule_set not in RULE_SETS:
        raise InvalidInput(
            f"unknown rule set {rule_set!r}", code="invalid_rule_set", allowed=sorted(RULE_SETS)
        )
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise _invalid(f"a price formula must be an object, not {type(spec).__name__}")
    default = "lowest_evaluated" if method == "lowest_price" else DEFAULT_KIND[rule_set]
    kind = spec.get("kind", default)
    if not isinstance(kind, str) or kind not in FORMULA_KINDS:
        raise _invalid(
            f"unknown price formula {kind!r}; it must be one of {', '.join(FORMULA_KINDS)}",
            field="kind",
            allowed=list(FORMULA_KINDS),
        )
    if method == "lowest_price" and kind != "lowest_evaluated":
        raise _invalid(
            f"the lowest evaluated price method ranks the bids by price and gives no price "
            f"score: its formula is lowest_evaluated, not {kind}",
            field="kind",
        )
    if method == "comprehensive" and kind == "lowest_evaluated":
        raise _invalid(
            "comprehensive scoring needs a price score: lowest_price_base or mean_minus_k",
            field="kind",
        )
    if rule_set == "gov_procurement" and kind == "mean_minus_k":
        raise RuleViolation(
            "government procurement scores price with the lowest price as the base "
            "(GP-87 Art 55): mean_minus_k is not allowed",
            code="price_formula_not_allowed",
            field="kind",
        )
    for key in spec:
        if key != "kind" and key not in PARAMETERS[kind]:
            raise _invalid(f"the {kind} formula takes no parameter {key!r}", field=str(key))
    values = {
        name: setting(
            spec.get(name, DEFAULT_PARAMETERS[name]),
            what=name,
            code="invalid_price_formula",
            field=name,
        )
        for name in PARAMETERS[kind]
    }
    return PriceFormula(kind, **values)


def checked_prices(prices: Mapping[K, Any]) -> dict[K, Decimal]:
    """The evaluated prices as positive Decimals, else InvalidInput ``invalid_price``."""
    checked: dict[K, Decimal] = {}
    for bid, price in prices.items():
        value = amount(price, what=f"the price of bid {bid}", code="invalid_price", bid=str(bid))
        if value <= 0:
            raise InvalidInput(
                f"the price of bid {bid} must be positive, not {value}",
                code="invalid_price",
                bid=str(bid),
            )
        checked[bid] = value
    return checked


def price_scores(
    formula: PriceFormula, max_score: Decimal, prices: Mapping[K, Decimal]
) -> dict[K, Decimal]:
    """Each valid bid's price score, rounded half-up to 2 places (module docstring). ``prices``
    holds the evaluated prices of the passing bids only. Empty for ``lowest_evaluated``."""
    top = amount(max_score, what="the price criterion's max_score", code="invalid_criterion")
    if top <= 0:
        raise InvalidInput(
            f"the price criterion's max_score must be positive, not {top}",
            code="invalid_criterion",
        )
    checked = checked_prices(prices)
    if formula.kind == "lowest_evaluated" or not checked:
        return {}
    with localcontext(EXACT):
        if formula.kind == "lowest_price_base":
            base = min(checked.values())
            return {bid: half_up(base * top / price) for bid, price in checked.items()}
        # mean_minus_k, all in multiples of n so that the one division comes last:
        # n × base = sum × (1 − k); n × (price − base) = n × price − sum × (1 − k)
        n = len(checked)
        n_base = sum(checked.values()) * (1 - formula.k)
        scores: dict[K, Decimal] = {}
        for bid, price in checked.items():
            n_gap = price * n - n_base
            per_percent = formula.deduct_above if n_gap > 0 else formula.deduct_below
            deduction = abs(n_gap) * 100 * per_percent / n_base  # d % × points per 1 %
            scores[bid] = half_up(max(Decimal(0), top - deduction))
        return scores


def abnormally_low(
    prices: Mapping[K, Decimal], *, ratio: Decimal = Decimal("0.80"), minimum_bids: int = 3
) -> list[K]:
    """The bids priced below ``ratio`` × the mean of the OTHER bids' prices, in the order of
    ``prices``; none when fewer than ``minimum_bids`` bids are given. The committee must ask
    such a bidder to explain (GP-87) and then vote; this only finds them. Exactly at the line
    is not below it."""
    if not 0 < ratio <= 1:
        raise InvalidInput(f"ratio must be in (0, 1], not {ratio}", code="invalid_threshold")
    if minimum_bids < 2:
        raise InvalidInput(
            f"minimum_bids must be at least 2 (a bid needs others to compare with), not "
            f"{minimum_bids}",
            code="invalid_threshold",
        )
    checked = checked_prices(prices)
    if len(checked) < minimum_bids:
        return []
    with localcontext(EXACT):
        total = sum(checked.values())
        others = len(checked) - 1
        # price < ratio × (total − price) / others, multiplied out by others
        return [bid for bid, price in checked.items() if price * others < ratio * (total - price)]
