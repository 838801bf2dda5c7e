"""The statistics' table of the experts' fees, provided to trading.statistics (which may not
import evaluation; the shell registers it, bidhall.shell.app ``_wire_domains``).

``expert_fees`` (the centre's): by the period of a draw's first check-in, the draws, the experts
who attended, and their fees by the fee rule (evaluation.venues.fees: half and full days, per
bid, travel), for the closed attendances; ``open`` counts the experts still checked in, whose
fee is not due yet. The fees are not stored but computed by that rule, which is Python: SQL
groups the draws by period, the rule prices each expert's attendance. The draws of every tender
the statistics count are read (trading.statistics.sql ``counted_tenders``, under way included).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from bidhall.db import db
from evaluation.draws.models import ExpertDraw
from evaluation.venues import fee_services
from evaluation.venues.models import Attendance
from trading.statistics import rules
from trading.statistics.providers import Rows, Table
from trading.statistics.rules import Window
from trading.statistics.sql import counted_tenders, period_of, within


def expert_fees(window: Window) -> Rows:
    first = (
        select(Attendance.draw_id, func.min(Attendance.checked_in_at).label("first"))
        .group_by(Attendance.draw_id)
        .subquery()
    )
    dated = (
        select(first.c.draw_id, period_of(first.c.first, window).label("period"))
        .join(ExpertDraw, ExpertDraw.id == first.c.draw_id)
        .where(counted_tenders(ExpertDraw.tender_id, finished=False), within(first.c.first, window))
        .order_by(first.c.draw_id)
    )
    period_of_draw = dict(db.session.execute(dated).all())
    totals: dict[str, dict[str, Decimal | int]] = {}
    for fee in fee_services.fees_of_draws(list(period_of_draw)):
        figures = totals.setdefault(
            period_of_draw[fee.attendance.draw_id],
            {
                "draws": set(),
                "experts": 0,
                "open": 0,
                "time": 0,
                "bids": 0,
                "travel": 0,
                "total": 0,
            },
        )
        figures["draws"].add(fee.attendance.draw_id)
        if fee.open:
            figures["open"] += 1
            continue
        figures["experts"] += 1
        figures["time"] += fee.time_fee
        figures["bids"] += fee.bid_fee
        figures["travel"] += fee.travel_fee
        figures["total"] += fee.total
    return [
        {
            "period": period,
            "draws": len(figures["draws"]),
            "experts": figures["experts"],
            "open": figures["open"],
            "time_fees": rules.money(Decimal(figures["time"])),
            "bid_fees": rules.money(Decimal(figures["bids"])),
            "travel_fees": rules.money(Decimal(figures["travel"])),
            "total": rules.money(Decimal(figures["total"])),
        }
        for period, figures in sorted(totals.items())
    ]


TABLES = (
    Table(
        "expert_fees",
        (
            "period", "draws", "experts", "open", "time_fees", "bid_fees", "travel_fees",
            "total",
        ),
        False,
        expert_fees,
    ),
)  # fmt: skip
