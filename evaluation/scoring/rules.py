"""The pure arithmetic of the live evaluation session (DOMAIN.md §4, §5 score.outlier): the
tender's criteria, a member's score sheet, the score alerts, and the committee's results.

Every name below may be imported from this module, which re-exports the others. Where each
is defined:

- here: ``Outlier``, ``outliers``, ``objective_disagreements``, ``Results``, ``results``;
- ``evaluation.scoring.sheets``: ``Criterion``, ``criteria_of``, ``check_sheet``;
- ``evaluation.scoring.prices``: ``PriceFormula``, ``price_formula_of``, ``price_scores``,
  ``abnormally_low`` (the formulas and the platform's defaults are in its docstring);
- ``evaluation.scoring.amounts``: ``parse_chinese_amount``, ``amount_in_words``;
- ``evaluation.scoring.correction``: ``Line``, ``Correction``, ``correct_price``.

Numbers are Decimals, never floats. Rounding, half-up to 2 places, happens only at the end of a
computation: a price score once computed (``prices``); a member's total is an exact sum (the
sheet's scores have at most 2 places, the price score is the published one); the committee
score once its mean is taken; the figures an ``Outlier`` shows (its decision compares the exact
figures). Ranking uses the published committee score: a difference the report cannot show
cannot rank one bid above another.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, Generic, TypeVar

from bidhall.errors import InvalidInput
from evaluation.scoring.amounts import amount_in_words, parse_chinese_amount
from evaluation.scoring.correction import Correction, Line, correct_price
from evaluation.scoring.numbers import EXACT, half_up
from evaluation.scoring.prices import (
    PriceFormula,
    abnormally_low,
    checked_prices,
    price_formula_of,
    price_scores,
)
from evaluation.scoring.sheets import Criterion, as_criteria, check_sheet, criteria_of

__all__ = [
    "Correction",
    "Criterion",
    "Line",
    "Outlier",
    "PriceFormula",
    "Results",
    "abnormally_low",
    "amount_in_words",
    "check_sheet",
    "correct_price",
    "criteria_of",
    "objective_disagreements",
    "outliers",
    "parse_chinese_amount",
    "price_formula_of",
    "price_scores",
    "results",
]

M = TypeVar("M", bound=Hashable)

# --- score alerts (DOMAIN.md §5) ----------------------------------------------------------------


@dataclass(frozen=True)
class Outlier:
    """score.outlier: the figures it cites, rounded half-up to 2 places for display."""

    bid_id: str
    criterion: str
    value: Decimal
    others_mean: Decimal
    others_mad: Decimal  # median absolute deviation from the others' median
    threshold: Decimal  # max(rate × max_score, mad_factor × others_mad)
    deviation: Decimal  # |value − others_mean|
    severity: str  # "yellow" | "red"


def outliers(
    criteria: Sequence[Criterion] | Sequence[Mapping],
    member_sheet: Mapping[str, Mapping[str, Decimal]],
    others: Sequence[Mapping[str, Mapping[str, Decimal]]],
    *,
    rate: Decimal = Decimal("0.20"),
    red_rate: Decimal = Decimal("0.35"),
    mad_factor: Decimal | int = 2,
) -> list[Outlier]:
    """DOMAIN.md §5 score.outlier: on a subjective criterion (not objective, not price) the
    member's score differs from the others' mean by more than max(rate × max_score,
    mad_factor × the others' median absolute deviation); red when the difference is more than
    red_rate × max_score. The others are the sheets already submitted; with none (the first
    to submit) there is nothing to compare with. Exactly at a threshold does not fire. In the
    order of ``member_sheet``'s bids, then of the criteria."""
    if not others:
        return []
    subjective = [criterion for criterion in as_criteria(criteria) if criterion.subjective]
    found: list[Outlier] = []
    with localcontext(EXACT):
        for bid, row in member_sheet.items():
            for criterion in subjective:
                if criterion.name not in row:
                    continue
                values = [
                    sheet[bid][criterion.name]
                    for sheet in others
                    if bid in sheet and criterion.name in sheet[bid]
                ]
                if not values:
                    continue
                value, n, total = row[criterion.name], len(values), sum(values, Decimal(0))
                middle = _median(values)
                mad = _median([abs(other - middle) for other in values])
                threshold = max(rate * criterion.max_score, mad_factor * mad)
                n_gap = abs(value * n - total)  # n × |value − mean|: compared without dividing
                if n_gap <= threshold * n:
                    continue
                red = n_gap > red_rate * criterion.max_score * n
                found.append(
                    Outlier(
                        bid_id=bid,
                        criterion=criterion.name,
                        value=value,
                        others_mean=half_up(total / n),
                        others_mad=half_up(mad),
                        threshold=half_up(threshold),
                        deviation=half_up(n_gap / n),
                        severity="red" if red else "yellow",
                    )
                )
    return found


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def objective_disagreements(
    criteria: Sequence[Criterion] | Sequence[Mapping],
    sheets: Mapping[M, Mapping[str, Mapping[str, Decimal]]],
) -> list[tuple[str, str]]:
    """DOMAIN.md §5 score.objective_disagreement: the (bid_id, criterion) pairs of an objective
    criterion on which the members' scores are not all equal (7 and 7.00 are equal). In the
    order the bids first appear in the sheets, then of the criteria."""
    objective = [c for c in as_criteria(criteria) if c.objective and c.kind != "price"]
    bids = list(dict.fromkeys(bid for sheet in sheets.values() for bid in sheet))
    found: list[tuple[str, str]] = []
    for bid in bids:
        for criterion in objective:
            values = {
                sheet[bid][criterion.name]
                for sheet in sheets.values()
                if bid in sheet and criterion.name in sheet[bid]
            }
            if len(values) > 1:
                found.append((bid, criterion.name))
    return found


# --- the committee's results --------------------------------------------------------------------


@dataclass(frozen=True)
class Results(Generic[M]):
    method: str  # the tender's method: "comprehensive" or "lowest_price"
    price_scores: dict[str, Decimal]  # bid -> price score (empty for lowest_evaluated)
    member_totals: dict[M, dict[str, Decimal]]  # member -> bid -> its criteria + price score
    scores: dict[str, Decimal]  # bid -> committee score (mean, or trimmed mean)
    ranking: list[str]  # bid ids, best first
    ranks: dict[str, int]  # bid -> rank, 1 = best; tied bids share a rank (1, 2, 2, 4)
    ties: list[list[str]]  # bids tied on score AND price after the tie-break: a vote decides


def results(
    criteria: Sequence[Criterion] | Sequence[Mapping],
    formula: PriceFormula,
    prices: Mapping[str, Decimal],
    sheets: Mapping[M, Mapping[str, Mapping[str, Decimal]]],
    *,
    trim_at: int = 7,
) -> Results[M]:
    """The committee's results over the valid bids, the keys of ``prices`` (evaluated prices).

    comprehensive (``lowest_price_base`` or ``mean_minus_k``): a member's total for a bid is the
    sum of its scores on the non-price criteria plus the bid's price score; the committee score
    is the mean of the members' totals, or, with ``trim_at`` members or more, the mean after
    dropping one highest and one lowest total; ranked by committee score, highest first, then
    by lower evaluated price. ``lowest_evaluated``: ranked by evaluated price, lowest first,
    and ``sheets`` are not used (they may be empty). Bids still tied after that are in
    ``ties`` and share a rank; within a tie the order of ``prices`` is kept.

    The sheets are ``check_sheet``'s output: every valid bid with every non-price criterion
    (scores of other bids, e.g. one vetoed after scoring, are ignored)."""
    if isinstance(trim_at, bool) or not isinstance(trim_at, int) or trim_at < 3:
        raise InvalidInput(
            f"trim_at must be a whole number of at least 3 (one total is left after dropping "
            f"the highest and the lowest), not {trim_at!r}",
            code="invalid_trim_at",
        )
    valid = checked_prices(prices)
    if formula.kind == "lowest_evaluated":
        keys = {bid: (price,) for bid, price in valid.items()}
        ranking, ranks, ties = _rank(keys)
        return Results("lowest_price", {}, {}, {}, ranking, ranks, ties)
    items = as_criteria(criteria)
    price_criteria = [criterion for criterion in items if criterion.kind == "price"]
    if len(price_criteria) != 1:
        raise InvalidInput(
            "comprehensive scoring needs exactly one price criterion", code="price_criterion"
        )
    if valid and not sheets:
        raise InvalidInput("there is no score sheet to rank the bids by", code="no_sheets")
    names = [criterion.name for criterion in items if criterion.kind != "price"]
    scored_price = price_scores(formula, price_criteria[0].max_score, valid)
    totals: dict[M, dict[str, Decimal]] = {}
    with localcontext(EXACT):
        for member, sheet in sheets.items():
            totals[member] = {
                bid: _total(member, sheet, bid, names, scored_price[bid]) for bid in valid
            }
        scores: dict[str, Decimal] = {}
        for bid in valid:
            column = sorted(member_totals[bid] for member_totals in totals.values())
            if len(column) >= trim_at:
                column = column[1:-1]
            scores[bid] = half_up(sum(column, Decimal(0)) / len(column))
    keys = {bid: (-scores[bid], valid[bid]) for bid in valid}
    ranking, ranks, ties = _rank(keys)
    return Results("comprehensive", scored_price, totals, scores, ranking, ranks, ties)


def _total(member: Any, sheet: Mapping, bid: str, names: list[str], price: Decimal) -> Decimal:
    try:
        row = sheet[bid]
        return sum((row[name] for name in names), price)
    except KeyError:
        row = sheet.get(bid, {})
        missing = next((name for name in names if name not in row), None)
        raise InvalidInput(
            f"member {member}'s sheet has no score for bid {bid}"
            + (f" on {missing!r}" if bid in sheet else ""),
            code="incomplete_sheet",
            member=str(member),
            bid=str(bid),
        ) from None
    except (TypeError, InvalidOperation):
        raise InvalidInput(
            f"member {member}'s scores for bid {bid} must be Decimals",
            code="invalid_score",
            member=str(member),
            bid=str(bid),
        ) from None


def _rank(keys: Mapping[str, tuple]) -> tuple[list[str], dict[str, int], list[list[str]]]:
    """Order by key (a stable sort keeps the given order among equal keys); equal keys share
    the rank of the first of them (competition ranking: 1, 2, 2, 4)."""
    ranking = sorted(keys, key=keys.__getitem__)
    ranks: dict[str, int] = {}
    ties: list[list[str]] = []
    for position, bid in enumerate(ranking):
        if position and keys[bid] == keys[ranking[position - 1]]:
            ranks[bid] = ranks[ranking[position - 1]]
            if ties and ties[-1][-1] == ranking[position - 1]:
                ties[-1].append(bid)
            else:
                ties.append([ranking[position - 1], bid])
        else:
            ranks[bid] = position + 1
    return ranking, ranks, ties
