"""Expert fees (评标专家劳务费): pure functions from the attendance records to the amounts, and
the CSV/JSON shapes the paying system reads. docs/venues-and-fees.md gives the rule.

- Time: each local calendar day (DEFAULT_TIMEZONE) with attendance is a half day when the
  expert sat at most ``half_day_hours`` that day, else a full day.
- Bids: ``per_bid`` for every bid reviewed beyond the first ``bids_included``.
- Travel: once per draw, by the expert's region and the venue's region: the setting's key
  "<expert region>><venue region>" if present, else "<expert region>", else "default".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FeeRules:
    half_day: Decimal = Decimal("400.00")
    full_day: Decimal = Decimal("800.00")
    half_day_hours: Decimal = Decimal("4")
    per_bid: Decimal = Decimal("0.00")
    bids_included: int = 0
    travel: Mapping[str, Decimal] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FeeRules:
        defaults = cls()
        return cls(
            half_day=money(settings.get("EXPERT_FEE_HALF_DAY", defaults.half_day)),
            full_day=money(settings.get("EXPERT_FEE_FULL_DAY", defaults.full_day)),
            half_day_hours=Decimal(
                str(settings.get("EXPERT_FEE_HALF_DAY_HOURS", defaults.half_day_hours))
            ),
            per_bid=money(settings.get("EXPERT_FEE_PER_BID", defaults.per_bid)),
            bids_included=int(settings.get("EXPERT_FEE_BIDS_INCLUDED", defaults.bids_included)),
            travel={str(k): money(v) for k, v in (settings.get("EXPERT_FEE_TRAVEL") or {}).items()},
            timezone=settings.get("DEFAULT_TIMEZONE", defaults.timezone),
        )

    def travel_fee(self, expert_region: str, venue_region: str | None) -> Decimal:
        for key in (f"{expert_region}>{venue_region}", expert_region, "default"):
            if key in self.travel:
                return self.travel[key]
        return money(0)


@dataclass(frozen=True)
class Period:
    checked_in_at: datetime
    checked_out_at: datetime | None  # None: still in the room, not paid yet


@dataclass(frozen=True)
class Attendance:
    """What the fee rule needs of one drawn expert's attendance at one draw."""

    draw_id: int
    tender_id: int
    tender_reference: str
    expert_id: int
    expert_name: str
    id_number: str
    expert_region: str
    venue_code: str | None
    venue_region: str | None
    periods: tuple[Period, ...]
    bids: int


@dataclass(frozen=True)
class Day:
    day: date
    hours: Decimal
    kind: str  # "half" | "full"
    amount: Decimal


@dataclass(frozen=True)
class Fee:
    attendance: Attendance
    days: tuple[Day, ...]
    time_fee: Decimal
    bids_paid: int
    bid_fee: Decimal
    travel_fee: Decimal
    total: Decimal
    open: bool  # an attendance without check-out is not paid until it ends


def hours_per_day(periods: Iterable[Period], timezone: ZoneInfo) -> dict[date, Decimal]:
    """Closed attendance periods cut at local midnight, in hours per local day."""
    seconds: dict[date, int] = {}
    for period in periods:
        if period.checked_out_at is None:
            continue
        start = period.checked_in_at.astimezone(timezone)
        end = period.checked_out_at.astimezone(timezone)
        while start < end:
            midnight = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=timezone)
            piece_end = min(end, midnight)
            seconds[start.date()] = seconds.get(start.date(), 0) + int(
                (piece_end - start).total_seconds()
            )
            start = piece_end
    return {
        day: (Decimal(total) / Decimal(3600)).quantize(CENT, rounding=ROUND_HALF_UP)
        for day, total in sorted(seconds.items())
        if total > 0
    }


def compute_fee(attendance: Attendance, rules: FeeRules) -> Fee:
    timezone = ZoneInfo(rules.timezone)
    days = []
    for day, hours in hours_per_day(attendance.periods, timezone).items():
        half = hours <= rules.half_day_hours
        days.append(
            Day(day, hours, "half" if half else "full", rules.half_day if half else rules.full_day)
        )
    attended = bool(days)
    time_fee = money(sum((d.amount for d in days), Decimal(0)))
    bids_paid = max(0, attendance.bids - rules.bids_included) if attended else 0
    bid_fee = money(rules.per_bid * bids_paid)
    travel = (
        rules.travel_fee(attendance.expert_region, attendance.venue_region)
        if attended
        else money(0)
    )
    return Fee(
        attendance=attendance,
        days=tuple(days),
        time_fee=time_fee,
        bids_paid=bids_paid,
        bid_fee=bid_fee,
        travel_fee=travel,
        total=money(time_fee + bid_fee + travel),
        open=any(p.checked_out_at is None for p in attendance.periods),
    )


# --- the export for the paying system ------------------------------------------------------------

CSV_COLUMNS = (
    "draw_id",
    "tender_id",
    "tender_reference",
    "expert_id",
    "expert_name",
    "id_number",
    "expert_region",
    "venue",
    "days",
    "half_days",
    "full_days",
    "hours",
    "time_fee",
    "bids_paid",
    "bid_fee",
    "travel_fee",
    "total",
    "currency",
    "open",
)


def as_json(fee: Fee, *, identity: bool = True) -> dict[str, Any]:
    """One fee as JSON (amounts as strings with two decimals, CNY). Without ``identity`` the
    identity number is left out (the expert's own view has no need of it)."""
    a = fee.attendance
    data = {
        "draw_id": a.draw_id,
        "tender_id": a.tender_id,
        "tender_reference": a.tender_reference,
        "expert_id": a.expert_id,
        "expert_name": a.expert_name,
        "id_number": a.id_number,
        "expert_region": a.expert_region,
        "venue": a.venue_code,
        "days": [
            {"date": d.day.isoformat(), "hours": str(d.hours), "kind": d.kind, "fee": str(d.amount)}
            for d in fee.days
        ],
        "time_fee": str(fee.time_fee),
        "bids": a.bids,
        "bids_paid": fee.bids_paid,
        "bid_fee": str(fee.bid_fee),
        "travel_fee": str(fee.travel_fee),
        "total": str(fee.total),
        "currency": "CNY",
        "open": fee.open,
    }
    if not identity:
        del data["id_number"]
    return data


def as_csv(fees: Iterable[Fee]) -> str:
    """UTF-8 CSV text, one row per expert and draw, a header line first (RFC 4180 quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for fee in fees:
        a = fee.attendance
        writer.writerow(
            [
                a.draw_id,
                a.tender_id,
                a.tender_reference,
                a.expert_id,
                a.expert_name,
                a.id_number,
                a.expert_region,
                a.venue_code or "",
                len(fee.days),
                sum(1 for d in fee.days if d.kind == "half"),
                sum(1 for d in fee.days if d.kind == "full"),
                str(sum((d.hours for d in fee.days), Decimal("0.00"))),
                str(fee.time_fee),
                fee.bids_paid,
                str(fee.bid_fee),
                str(fee.travel_fee),
                str(fee.total),
                "CNY",
                "yes" if fee.open else "no",
            ]
        )
    return out.getvalue()
