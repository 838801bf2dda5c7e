"""Shape checks for tender input, shared by the JSON API, the HTML forms and the CLI.

These only say whether input is well-formed (present, a number, a date with a zone); whether it
is allowed is for trading.tenders.rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bidhall import inputs
from bidhall.errors import InvalidInput
from trading.tenders.rules import LotTerms


@dataclass(frozen=True)
class TenderDraft:
    title: str
    rule_set: str
    category: str
    method: str
    tenderer_id: int
    bid_validity_days: int
    issue_start: datetime
    issue_end: datetime
    bid_deadline: datetime
    lots: list[LotTerms]
    criteria: list[dict] = field(default_factory=list)
    description: str = ""
    qualification: str = ""
    decrypt_window_minutes: int = 30
    timezone: str = "Asia/Shanghai"
    region: str | None = None
    award_method: str = "first_candidate"


def parse_draft(data: Mapping[str, Any]) -> TenderDraft:
    if not isinstance(data, Mapping):
        raise InvalidInput("expected a JSON object", code="invalid_body")
    lots_raw = data.get("lots")
    if not isinstance(lots_raw, list) or not lots_raw:
        raise InvalidInput(
            "lots: give a list with at least one lot", code="invalid_lots", field="lots"
        )
    criteria = data.get("criteria") or []
    if not isinstance(criteria, list) or not all(isinstance(c, Mapping) for c in criteria):
        raise InvalidInput(
            "criteria: give a list of objects", code="invalid_criteria", field="criteria"
        )
    return TenderDraft(
        title=text(data, "title", max_length=300),
        rule_set=text(data, "rule_set", max_length=30),
        category=text(data, "category", max_length=20),
        method=text(data, "method", max_length=30),
        tenderer_id=integer(data, "tenderer_id"),
        bid_validity_days=integer(data, "bid_validity_days"),
        issue_start=moment(data, "issue_start"),
        issue_end=moment(data, "issue_end"),
        bid_deadline=moment(data, "bid_deadline"),
        lots=[_lot(item, index) for index, item in enumerate(lots_raw, start=1)],
        criteria=[
            {
                "name": str(c.get("name", "")).strip(),
                "kind": c.get("kind"),
                "max_score": c.get("max_score"),
                "objective": bool(c.get("objective", False)),
            }
            for c in criteria
        ],
        description=text(data, "description", required=False, max_length=20000),
        qualification=text(data, "qualification", required=False, max_length=20000),
        decrypt_window_minutes=integer(data, "decrypt_window_minutes", default=30),
        award_method=text(data, "award_method", required=False, max_length=30) or "first_candidate",
        timezone=text(data, "timezone", required=False, max_length=40) or "Asia/Shanghai",
        region=text(data, "region", required=False, max_length=12) or None,
    )


def _lot(item: Any, index: int) -> LotTerms:
    if not isinstance(item, Mapping):
        raise InvalidInput(f"lots[{index}]: expected an object", code="invalid_lots")
    prefix = f"lots[{index}]."
    return LotTerms(
        number=integer(item, "number", default=index, prefix=prefix),
        title=text(item, "title", prefix=prefix, max_length=300),
        estimated_price=money(item, "estimated_price", prefix=prefix),
        ceiling_price=money(item, "ceiling_price", prefix=prefix),
        guarantee_amount=money(item, "guarantee_amount", prefix=prefix),
    )


def text(
    data: Mapping, key: str, *, required: bool = True, max_length: int = 10000, prefix: str = ""
) -> str:
    return inputs.text(data.get(key), prefix + key, required=required, max_length=max_length)


def integer(
    data: Mapping,
    key: str,
    *,
    default: int | None = None,
    prefix: str = "",
    minimum: int | None = 0,
    maximum: int = inputs.INT_MAX,
) -> int:
    value = data.get(key, default)
    if value is None or value == "":
        if default is not None:
            return default
        raise InvalidInput(f"{prefix}{key} is required", code="missing_field", field=prefix + key)
    return inputs.integer(value, prefix + key, minimum=minimum, maximum=maximum)


def money(data: Mapping, key: str, *, prefix: str = "") -> Decimal:
    value = data.get(key)
    if value is None or value == "":
        raise InvalidInput(f"{prefix}{key} is required", code="missing_field", field=prefix + key)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(
            f"{prefix}{key} must be an amount in CNY", code="invalid_field", field=prefix + key
        )
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput(
            f"{prefix}{key} must be an amount in CNY", code="invalid_field", field=prefix + key
        ) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= 10**14:
        raise InvalidInput(
            f"{prefix}{key} must be an amount in CNY with at most 2 decimals",
            code="invalid_field",
            field=prefix + key,
        )
    return amount.quantize(Decimal("0.01"))


def moment(data: Mapping, key: str, *, prefix: str = "") -> datetime:
    value = data.get(key)
    if not value:
        raise InvalidInput(f"{prefix}{key} is required", code="missing_field", field=prefix + key)
    if not isinstance(value, str):
        raise InvalidInput(
            f"{prefix}{key} must be an ISO 8601 date-time", code="invalid_field", field=prefix + key
        )
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{prefix}{key} must be an ISO 8601 date-time like 2026-03-01T09:30:00+08:00",
            code="invalid_field",
            field=prefix + key,
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(
            f"{prefix}{key} must carry a time zone, e.g. +08:00",
            code="invalid_field",
            field=prefix + key,
        )
    return parsed


def boolean(data: Mapping, key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "y"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "no", "off", "n", ""):
        return False
    raise InvalidInput(f"{key} must be true or false", code="invalid_field", field=key)


# --- the public portal's search -----------------------------------------------------------------

NOTICE_TYPES = ("tender", "change", "opening", "termination")
CATEGORIES = ("works", "goods", "services")
MAX_PAGE = 10_000


@dataclass(frozen=True)
class PortalFilter:
    """What the public portal is asked for: one notice type, a search text, the filters (the
    period is of the notice's own date, in local days) and a page number from 1."""

    type: str = "tender"
    q: str = ""
    category: str | None = None
    state: str | None = None
    region: str | None = None
    start: date | None = None
    end: date | None = None
    page: int = 1

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this filter with ``changes``, without its empty and default
        values (for links: the next page, another notice type)."""
        values = {
            "type": self.type,
            "q": self.q,
            "category": self.category,
            "state": self.state,
            "region": self.region,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "page": self.page,
        }
        values.update(changes)
        defaults = {"type": "tender", "page": 1}
        return {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}


def parse_portal_filter(
    args: Mapping[str, Any], states: Sequence[str], regions: Mapping[str, str]
) -> PortalFilter:
    """The portal's query string, checked: each value one of those offered (``states`` and
    ``regions`` are the public states and the centre's regions), the period's dates as
    YYYY-MM-DD with its start not after its end."""
    notice_type = _one_of(args, "type", NOTICE_TYPES) or "tender"
    state = _one_of(args, "state", states)
    if state is not None and notice_type != "tender":
        raise InvalidInput(
            "state: only tender notices are filtered by state", code="invalid_field", field="state"
        )
    start, end = _day(args, "from"), _day(args, "to")
    if start and end and start > end:
        raise InvalidInput(
            "from: the period starts after it ends", code="invalid_period", field="from"
        )
    raw_page = args.get("page")
    return PortalFilter(
        type=notice_type,
        q=inputs.text(args.get("q"), "q", required=False, max_length=100),
        category=_one_of(args, "category", CATEGORIES),
        state=state,
        region=_one_of(args, "region", tuple(regions)),
        start=start,
        end=end,
        page=1
        if raw_page in (None, "")
        else inputs.integer(raw_page, "page", minimum=1, maximum=MAX_PAGE),
    )


def _one_of(args: Mapping[str, Any], key: str, allowed: Sequence[str]) -> str | None:
    value = args.get(key)
    if value in (None, ""):
        return None
    if value not in allowed:
        shown = ", ".join(allowed) if allowed else "none here"
        raise InvalidInput(
            f"{key}: {value!r} is not one of {shown}", code="invalid_field", field=key
        )
    return value


def _day(args: Mapping[str, Any], key: str) -> date | None:
    value = args.get(key)
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{key}: give a date as YYYY-MM-DD", code="invalid_field", field=key
        ) from None
