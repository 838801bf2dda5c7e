"""The statistics page:

- ``GET /statistics?period=month|year&from=&to=``   anyone: the public tables (aggregates of
                                                     the finished procedures); supervisors and
                                                     administrators also see the centre's

The page renders every table from the same figures as the JSON API (trading/statistics/api.py),
so it reads without JavaScript and to a screen reader, each with its CSV download;
static/js/statistics.js then draws one ECharts chart per table (static/vendor/echarts.min.js,
vendored from the npm registry by run.sh) from the API. A refused period re-renders the page
with the message and the refusal's status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from bidhall.errors import DomainError
from bidhall.web import flash_refusal, refusal_status
from trading.statistics import queries
from trading.statistics.api import is_centre
from trading.statistics.forms import request_window
from trading.tenders.forms import CATEGORY_NAMES

blueprint = Blueprint("statistics", __name__)

# --- URL rules ----------------------------------------------------------------------------------
# anyone:   GET  /statistics                                                statistics_page

TITLES = {
    "projects": _l("Projects by type"),
    "transactions": _l("Transaction value and savings"),
    "remote_opening": _l("Remote opening"),
    "remote_evaluation": _l("Remote evaluation"),
    "security": _l("E-guarantees and cash deposits"),
    "refunds": _l("Deposits refunded"),
    "alerts": _l("Alerts and their resolution"),
    "expert_fees": _l("Experts' fees"),
}
NOTES = {
    "projects": _l("Tenders whose opening fell in the period. Failed: fewer than 3 bids."),
    "transactions": _l(
        "Lots awarded in the period. Savings = ceiling price − award amount; savings rate = "
        "savings ÷ ceiling price."
    ),
    "remote_opening": _l(
        "Every opening is online. A bid is opened remotely when its bidder decrypted it with its "
        "own key; otherwise it was recovered from the custodians' shares. A tender is opened "
        "remotely when all its opened bids were."
    ),
    "remote_evaluation": _l(
        "Evaluation sessions begun in the period; remote: the committee sat at more than one venue."
    ),
    "security": _l(
        "Bid security of the tenders opened in the period. The e-guarantees' amount is the cash "
        "the bidders did not have to deposit (cash freed)."
    ),
    "refunds": _l(
        "Cash deposits refunded in the period, by cause; days from the cause to the refund (the "
        "limit is 5 days)."
    ),
    "alerts": _l("Alerts raised in the period; hours from raising to resolution."),
    "expert_fees": _l(
        "Draws by the period of their first check-in; the fees by the fee rule for the experts "
        "checked out (still checked in: not due yet)."
    ),
}
COLUMNS = {
    "period": _l("Period"),
    "category": _l("Category"),
    "tenders": _l("Tenders"),
    "failed": _l("Failed"),
    "lots": _l("Lots"),
    "value": _l("Transaction value (CNY)"),
    "ceiling": _l("Ceiling prices (CNY)"),
    "savings": _l("Savings (CNY)"),
    "savings_rate": _l("Savings rate (%)"),
    "contracts": _l("Contracts"),
    "contracted": _l("Contract value (CNY)"),
    "remote_tenders": _l("Tenders opened remotely"),
    "remote_tender_share": _l("Tenders opened remotely (%)"),
    "bids_opened": _l("Bids opened"),
    "remote_bids": _l("Decrypted by their bidders"),
    "custodian_bids": _l("Recovered by the custodians"),
    "remote_bid_share": _l("Bids decrypted by their bidders (%)"),
    "sessions": _l("Sessions"),
    "remote_sessions": _l("Remote sessions"),
    "remote_share": _l("Remote sessions (%)"),
    "guarantees": _l("E-guarantees"),
    "cash_freed": _l("Cash freed (CNY)"),
    "deposits": _l("Cash deposits"),
    "deposit_amount": _l("Deposited (CNY)"),
    "guarantee_share": _l("E-guarantees' share (%)"),
    "reason": _l("Cause"),
    "refunds": _l("Refunds"),
    "amount": _l("Amount (CNY)"),
    "interest": _l("Interest (CNY)"),
    "in_time": _l("Within the limit"),
    "in_time_share": _l("Within the limit (%)"),
    "mean_days": _l("Mean days"),
    "longest_days": _l("Longest days"),
    "severity": _l("Card"),
    "raised": _l("Raised"),
    "resolved": _l("Resolved"),
    "resolved_share": _l("Resolved (%)"),
    "mean_hours": _l("Mean hours to resolve"),
    "longest_hours": _l("Longest hours to resolve"),
    "draws": _l("Draws"),
    "experts": _l("Experts paid"),
    "open": _l("Still checked in"),
    "time_fees": _l("Time fees (CNY)"),
    "bid_fees": _l("Per-bid fees (CNY)"),
    "travel_fees": _l("Travel (CNY)"),
    "total": _l("Total (CNY)"),
}
VALUES = {
    **CATEGORY_NAMES,
    "yellow": _l("Yellow card"),
    "red": _l("Red card"),
    "contract_signed": _l("contract signed"),
    "withdrawal": _l("bid withdrawn"),
    "termination": _l("tender terminated"),
    "replaced": _l("replaced"),
}
# what each chart draws: the columns on the value axis, and the column that splits them into
# series (stacked), if any; line charts for shares
CHARTS = {
    "projects": {"y": ["tenders"], "split": "category", "type": "bar"},
    "transactions": {"y": ["value"], "split": "category", "type": "bar"},
    "remote_opening": {"y": ["remote_tender_share", "remote_bid_share"], "type": "line"},
    "remote_evaluation": {"y": ["remote_share"], "type": "line"},
    "security": {"y": ["guarantees", "deposits"], "type": "bar"},
    "refunds": {"y": ["refunds"], "split": "reason", "type": "bar"},
    "alerts": {"y": ["raised"], "split": "severity", "type": "bar"},
    "expert_fees": {"y": ["time_fees", "bid_fees", "travel_fees"], "type": "bar"},
}


@blueprint.get("/statistics")
def statistics_page() -> Any:
    given = {
        name: request.args[name] for name in ("period", "from", "to") if request.args.get(name)
    }
    centre = is_centre()
    try:
        window = request_window(request.args)
    except DomainError as error:
        flash_refusal(error)
        return _render(given, None, centre), refusal_status(error)
    return _render(given, queries.statistics(window, centre=centre), centre)


def _render(given: dict[str, str], data: dict[str, Any] | None, centre: bool) -> str:
    labels = {
        "columns": {key: str(value) for key, value in COLUMNS.items()},
        "values": {key: str(value) for key, value in VALUES.items()},
        "charts": CHARTS,
        "failed": str(_l("The charts could not be drawn: the tables give the same figures.")),
    }
    return render_template(
        "trading/statistics.html",
        data=data,
        given=given,
        centre=centre,
        titles=TITLES,
        notes=NOTES,
        columns=COLUMNS,
        values=VALUES,
        labels=labels,
    )
