"""The tender's criteria and one member's score sheet, checked at input (DOMAIN.md §4 "Scores";
§5: out-of-range scores are refused here, not detected later). ``evaluation.scoring.rules``
re-exports these names."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bidhall.errors import InvalidInput
from evaluation.scoring.numbers import CENT, EXACT, amount, places
from trading.tenders.rules import CRITERION_KINDS

# --- criteria -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    name: str
    kind: str  # price | technical | commercial
    max_score: Decimal
    objective: bool = False  # a factual item (a certificate held or not): members must agree

    @property
    def subjective(self) -> bool:
        """A matter of judgement: what score.outlier watches."""
        return self.kind != "price" and not self.objective


def criteria_of(items: Sequence[Mapping]) -> tuple[Criterion, ...]:
    """The tender's criteria JSON ``[{"name", "kind", "max_score", "objective"?}]`` as
    Criterion values; other keys are ignored. At most one price criterion."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise InvalidInput("the criteria must be a list", code="invalid_criterion")
    found: list[Criterion] = []
    for index, item in enumerate(items):
        field = f"criteria[{index}]"
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{field} must be an object", code="invalid_criterion", field=field)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"{field} needs a name", code="invalid_criterion", field=field)
        if any(criterion.name == name for criterion in found):
            raise InvalidInput(
                f"criterion {name!r} appears twice", code="invalid_criterion", field=field
            )
        kind = item.get("kind")
        if kind not in CRITERION_KINDS:
            raise InvalidInput(
                f"criterion {name!r}: kind must be one of {', '.join(CRITERION_KINDS)}",
                code="invalid_criterion",
                field=field,
            )
        if kind == "price" and any(criterion.kind == "price" for criterion in found):
            raise InvalidInput(
                "there can be only one price criterion", code="invalid_criterion", field=field
            )
        top = amount(
            item.get("max_score"),
            what=f"criterion {name!r}: max_score",
            code="invalid_criterion",
            field=field,
        )
        if top <= 0 or places(top) > 2:
            raise InvalidInput(
                f"criterion {name!r}: max_score must be positive with at most 2 decimals, "
                f"not {top}",
                code="invalid_criterion",
                field=field,
            )
        objective = item.get("objective", False)
        if not isinstance(objective, bool):
            raise InvalidInput(
                f"criterion {name!r}: objective must be true or false",
                code="invalid_criterion",
                field=field,
            )
        found.append(Criterion(name=name, kind=kind, max_score=top, objective=objective))
    return tuple(found)


def as_criteria(criteria: Sequence[Criterion] | Sequence[Mapping]) -> tuple[Criterion, ...]:
    """Criterion values as given, or read from the tender's JSON."""
    if all(isinstance(criterion, Criterion) for criterion in criteria):
        return tuple(criteria)  # type: ignore[arg-type]
    return criteria_of(criteria)  # type: ignore[arg-type]


# --- a member's score sheet -------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def check_sheet(
    criteria: Sequence[Criterion] | Sequence[Mapping],
    sheet: Mapping[str, Mapping[str, object]],
    bid_ids: Sequence[str],
) -> dict[str, dict[str, Decimal]]:
    """One member's score sheet ``{bid_id: {criterion name: score}}``: every bid of ``bid_ids``
    with every non-price criterion, nothing else; the price criterion is refused (the server
    computes it). A score is an int, a Decimal, a decimal string or a JSON number, with at most
    2 decimals, from 0 to the criterion's max_score. Returns the scores as Decimals with 2
    places ("17.5" -> Decimal("17.50")), in the order of ``bid_ids`` and of the criteria."""
    items = as_criteria(criteria)
    scored = [criterion for criterion in items if criterion.kind != "price"]
    priced = {criterion.name for criterion in items if criterion.kind == "price"}
    if not isinstance(sheet, Mapping):
        raise InvalidInput(
            "a score sheet must map each bid to its scores", code="invalid_sheet", field="sheet"
        )
    expected = set(bid_ids)
    names = {criterion.name for criterion in scored}
    for bid in sheet:
        if bid not in expected:
            raise InvalidInput(
                f"bid {bid} is not one of the bids to score", code="unknown_bid", field=str(bid)
            )
    checked: dict[str, dict[str, Decimal]] = {}
    for bid in bid_ids:
        if bid not in sheet:
            raise InvalidInput(
                f"the sheet has no scores for bid {bid}", code="missing_bid", field=str(bid)
            )
        row = sheet[bid]
        if not isinstance(row, Mapping):
            raise InvalidInput(
                f"bid {bid}: the scores must map each criterion to a score",
                code="invalid_sheet",
                field=str(bid),
            )
        for name in row:
            if name in priced:
                raise InvalidInput(
                    f"bid {bid}: {name!r} is the price criterion, which the server computes "
                    "from the evaluated prices; it is not scored by hand",
                    code="price_is_computed",
                    field=f"{bid}.{name}",
                )
            if name not in names:
                raise InvalidInput(
                    f"bid {bid}: {name!r} is not a criterion of this tender",
                    code="unknown_criterion",
                    field=f"{bid}.{name}",
                )
        values: dict[str, Decimal] = {}
        for criterion in scored:
            if criterion.name not in row:
                raise InvalidInput(
                    f"bid {bid}: no score for {criterion.name!r}",
                    code="missing_score",
                    field=f"{bid}.{criterion.name}",
                )
            values[criterion.name] = _score(row[criterion.name], criterion, bid)
        checked[bid] = values
    return checked


def _score(value: object, criterion: Criterion, bid: str) -> Decimal:
    field = f"{bid}.{criterion.name}"
    where = f"bid {bid}: the score for {criterion.name!r}"
    number: Decimal | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the number as JSON wrote it: 7.55, not 7.5499999...
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = Decimal(value.strip())
    if number is None or not number.is_finite():
        raise InvalidInput(
            f"{where} must be a number, not {value!r}", code="invalid_score", field=field
        )
    if places(number) > 2:
        raise InvalidInput(
            f"{where} has more than 2 decimals ({value!r})", code="too_many_decimals", field=field
        )
    if not 0 <= number <= criterion.max_score:
        raise InvalidInput(
            f"{where} must be between 0 and {criterion.max_score}, not {number}",
            code="score_out_of_range",
            field=field,
            minimum="0",
            maximum=str(criterion.max_score),
        )
    number = number.quantize(CENT, context=EXACT)  # exact: at most 2 places were given
    return abs(number) if number.is_zero() else number  # -0.00 -> 0.00
