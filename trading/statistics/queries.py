"""Trading's tables of the statistics, each one SQL query grouped by period (and type) in the
database, and the statistics as the API serves them (trading's tables and the providers').

- ``projects``: tenders whose opening fell in the period, by category (works, goods,
  services), and how many failed (fewer than 3 bids, Regs Art 44)
- ``transactions``: the lots awarded in the period (by the award's decision), by category:
  成交额 (the award amounts), the ceiling prices, 节约资金 = ceiling - award amount and 节约率 =
  savings / ceiling, and the value of the contracts signed for them so far
- ``remote_opening``: every opening here is online, with nobody in a room; what differs is who
  decrypts a bid. "Remote" is a bid its bidder decrypted from its own premises with its own
  key (Outcome.DECRYPTED), as the law expects; the other opened bids were recovered from the
  custodians' shares (Outcome.RECOVERED, the fallback). A tender is opened remotely when every
  one of its opened bids was decrypted by its bidder. By the period of the opening
- ``security``: the bid security of the tenders opened in the period: e-guarantees (counted
  once per bid: a superseded guarantee is left out) and their amount, which is the cash the
  bidders did not have to deposit (cash freed), beside the cash deposits; the e-guarantees'
  share of the bid securities
- ``refunds`` (the centre's): the cash deposits refunded in the period, by reason, for every
  tender (a withdrawal's or a termination's refund comes before any opening): how many,
  the amount and interest, how many within the legal limit (5 days, Regs Art 57) and the mean
  days taken from the refund's cause (contract signed, withdrawal, ...) to the refund
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, distinct, func, select

from bidhall import sandbox
from bidhall.db import db
from bidhall.errors import Forbidden, NotFound
from trading.award.models import Award, Contract
from trading.bids.models import Bid
from trading.guarantees.models import Deposit, DepositState, Guarantee, GuaranteeState
from trading.guarantees.rules import RETURN_DAYS
from trading.opening.rules import Outcome
from trading.statistics import providers, rules
from trading.statistics.providers import Rows, Table
from trading.statistics.rules import Window
from trading.statistics.sql import by_period, counted_tenders, period_of, seconds_between, within
from trading.tenders.models import Lot, Tender, TenderState


def _ones(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def projects(window: Window) -> Rows:
    dated = (
        select(
            period_of(Tender.bid_deadline, window).label("period"),
            Tender.category.label("category"),
            Tender.state.label("state"),
        )
        .where(counted_tenders(Tender.id), within(Tender.bid_deadline, window))
        .subquery()
    )
    query = by_period(
        dated,
        func.count().label("tenders"),
        _ones(dated.c.state == TenderState.FAILED).label("failed"),
        split="category",
    )
    return [
        {
            "period": row.period,
            "category": row.category,
            "tenders": row.tenders,
            "failed": int(row.failed or 0),
        }
        for row in db.session.execute(query)
    ]


def transactions(window: Window) -> Rows:
    dated = (
        select(
            period_of(Award.decided_at, window).label("period"),
            Tender.category.label("category"),
            Award.tender_id,
            Award.award_amount,
            Lot.ceiling_price,
            Contract.amount.label("contract_amount"),
            Contract.id.label("contract_id"),
        )
        .join(Tender, Tender.id == Award.tender_id)
        .join(Lot, and_(Lot.tender_id == Award.tender_id, Lot.number == Award.lot_number))
        .outerjoin(Contract, Contract.award_id == Award.id)
        .where(
            Award.award_amount.is_not(None),
            counted_tenders(Award.tender_id),
            within(Award.decided_at, window),
        )
        .subquery()
    )
    query = by_period(
        dated,
        func.count(distinct(dated.c.tender_id)).label("tenders"),
        func.count().label("lots"),
        func.sum(dated.c.award_amount).label("value"),
        func.sum(dated.c.ceiling_price).label("ceiling"),
        func.count(dated.c.contract_id).label("contracts"),
        func.sum(dated.c.contract_amount).label("contracted"),
        split="category",
    )
    rows = []
    for row in db.session.execute(query):
        value, ceiling = _amount(row.value), _amount(row.ceiling)
        saved = rules.savings(ceiling, value)
        rows.append(
            {
                "period": row.period,
                "category": row.category,
                "tenders": row.tenders,
                "lots": row.lots,
                "value": rules.money(value),
                "ceiling": rules.money(ceiling),
                "savings": rules.money(saved),
                "savings_rate": rules.percent(rules.rate(saved, ceiling)),
                "contracts": row.contracts,
                "contracted": rules.money(_amount(row.contracted)),
            }
        )
    return rows


def remote_opening(window: Window) -> Rows:
    per_tender = (
        select(
            Bid.tender_id,
            _ones(Bid.opening_outcome == Outcome.DECRYPTED).label("remote"),
            _ones(Bid.opening_outcome == Outcome.RECOVERED).label("custodians"),
        )
        .where(
            Bid.opening_outcome.in_([Outcome.DECRYPTED, Outcome.RECOVERED]),
            counted_tenders(Bid.tender_id),
        )
        .group_by(Bid.tender_id)
        .subquery()
    )
    dated = (
        select(
            period_of(Tender.bid_deadline, window).label("period"),
            per_tender.c.remote,
            per_tender.c.custodians,
        )
        .join_from(per_tender, Tender, Tender.id == per_tender.c.tender_id)
        .where(within(Tender.bid_deadline, window))
        .subquery()
    )
    query = by_period(
        dated,
        func.count().label("tenders"),
        _ones(dated.c.custodians == 0).label("remote_tenders"),
        func.sum(dated.c.remote).label("remote_bids"),
        func.sum(dated.c.custodians).label("custodian_bids"),
    )
    rows = []
    for row in db.session.execute(query):
        remote, custodians = int(row.remote_bids or 0), int(row.custodian_bids or 0)
        remote_tenders = int(row.remote_tenders or 0)
        rows.append(
            {
                "period": row.period,
                "tenders": row.tenders,
                "remote_tenders": remote_tenders,
                "remote_tender_share": rules.percent(rules.rate(remote_tenders, row.tenders)),
                "bids_opened": remote + custodians,
                "remote_bids": remote,
                "custodian_bids": custodians,
                "remote_bid_share": rules.percent(rules.rate(remote, remote + custodians)),
            }
        )
    return rows


def security(window: Window) -> Rows:
    guarantees = (
        select(period_of(Tender.bid_deadline, window).label("period"), Guarantee.amount)
        .join(Tender, Tender.id == Guarantee.tender_id)
        .where(
            Guarantee.bid_id.is_not(None),
            Guarantee.state != GuaranteeState.SUPERSEDED,
            counted_tenders(Guarantee.tender_id),
            within(Tender.bid_deadline, window),
        )
        .subquery()
    )
    deposits = (
        select(period_of(Tender.bid_deadline, window).label("period"), Deposit.amount)
        .join(Tender, Tender.id == Deposit.tender_id)
        .where(counted_tenders(Deposit.tender_id), within(Tender.bid_deadline, window))
        .subquery()
    )
    found: dict[str, dict[str, Any]] = {}
    for source, name in ((guarantees, "guarantees"), (deposits, "deposits")):
        query = by_period(
            source, func.count().label("n"), func.sum(source.c.amount).label("amount")
        )
        for row in db.session.execute(query):
            found.setdefault(row.period, {})[name] = (row.n, _amount(row.amount))
    rows = []
    for period in sorted(found):
        counts = found[period]
        guaranteed, freed = counts.get("guarantees", (0, Decimal(0)))
        deposited, cash = counts.get("deposits", (0, Decimal(0)))
        rows.append(
            {
                "period": period,
                "guarantees": guaranteed,
                "cash_freed": rules.money(freed),
                "deposits": deposited,
                "deposit_amount": rules.money(cash),
                "guarantee_share": rules.percent(rules.rate(guaranteed, guaranteed + deposited)),
            }
        )
    return rows


def refunds(window: Window) -> Rows:
    dated = (
        select(
            period_of(Deposit.refunded_at, window).label("period"),
            Deposit.refund_reason.label("reason"),
            Deposit.amount,
            Deposit.refund_interest,
            Deposit.refunded_at,
            Deposit.refund_due_at,
            seconds_between(Deposit.refund_due_at, Deposit.refunded_at).label("after_due"),
        )
        .where(
            Deposit.state == DepositState.REFUNDED,
            Deposit.refunded_at.is_not(None),
            # the centre's: a deposit refunded after a withdrawal or a termination counts too
            counted_tenders(Deposit.tender_id, finished=False),
            within(Deposit.refunded_at, window),
        )
        .subquery()
    )
    query = by_period(
        dated,
        func.count().label("refunds"),
        func.sum(dated.c.amount).label("amount"),
        func.sum(dated.c.refund_interest).label("interest"),
        _ones(dated.c.refunded_at <= dated.c.refund_due_at).label("in_time"),
        func.avg(dated.c.after_due).label("after_due"),
        func.max(dated.c.after_due).label("latest"),
        split="reason",
    )
    rows = []
    for row in db.session.execute(query):
        limit = RETURN_DAYS.get(row.reason or "", 0) * 86400
        rows.append(
            {
                "period": row.period,
                "reason": row.reason,
                "refunds": row.refunds,
                "amount": rules.money(_amount(row.amount)),
                "interest": rules.money(_amount(row.interest)),
                "in_time": int(row.in_time or 0),
                "in_time_share": rules.percent(rules.rate(int(row.in_time or 0), row.refunds)),
                "mean_days": rules.days(limit + float(row.after_due or 0)),
                "longest_days": rules.days(limit + float(row.latest or 0)),
            }
        )
    return rows


def _amount(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


# the training sandbox counts nothing (docs/sandbox.md): its tables refuse
STATISTICS = "the statistics"

OWN = (
    Table(
        "projects",
        ("period", "category", "tenders", "failed"),
        True,
        projects,
    ),
    Table(
        "transactions",
        (
            "period", "category", "tenders", "lots", "value", "ceiling", "savings",
            "savings_rate", "contracts", "contracted",
        ),
        True,
        transactions,
    ),
    Table(
        "remote_opening",
        (
            "period", "tenders", "remote_tenders", "remote_tender_share", "bids_opened",
            "remote_bids", "custodian_bids", "remote_bid_share",
        ),
        True,
        remote_opening,
    ),
    Table(
        "security",
        ("period", "guarantees", "cash_freed", "deposits", "deposit_amount", "guarantee_share"),
        True,
        security,
    ),
    Table(
        "refunds",
        (
            "period", "reason", "refunds", "amount", "interest", "in_time", "in_time_share",
            "mean_days", "longest_days",
        ),
        False,
        refunds,
    ),
)  # fmt: skip


def tables(*, centre: bool) -> list[Table]:
    """The tables a viewer reads: the public ones, and the centre's too for ``centre``."""
    return providers.tables(OWN, public_only=not centre)


def table(name: str, *, centre: bool) -> Table:
    """One table by name: unknown is a 404; a centre's table asked by anyone else a 403."""
    sandbox.refuse(STATISTICS)
    for candidate in providers.tables(OWN, public_only=False):
        if candidate.name == name:
            if not candidate.public and not centre:
                raise Forbidden(
                    "this table is the trading centre's: supervisors and administrators only",
                    code="statistics_centre_only",
                    table=name,
                )
            return candidate
    raise NotFound(f"no statistics table {name}", code="statistics_table_not_found", table=name)


def statistics(window: Window, *, centre: bool) -> dict[str, Any]:
    """Every table the viewer reads, for the window: ``{"period", "from", "to", "zone",
    "view", "tables": {name: {"columns": [...], "rows": [{column: value}]}}}``."""
    sandbox.refuse(STATISTICS)
    return {
        "period": window.period,
        "from": window.label_from,
        "to": window.label_to,
        "zone": window.zone,
        "view": "centre" if centre else "public",
        "tables": {
            table.name: {"columns": list(table.columns), "rows": table.rows(window)}
            for table in tables(centre=centre)
        },
    }


def headline(window: Window) -> dict[str, Any]:
    """The few figures a summary quotes, over the whole window (the demo's JSON summary): the
    sums of the centre's tables' rows, and the rates of those sums."""
    tables = statistics(window, centre=True)["tables"]

    def total(name: str, column: str) -> Decimal:
        return sum((Decimal(row[column]) for row in tables[name]["rows"]), Decimal(0))

    value, ceiling = total("transactions", "value"), total("transactions", "ceiling")
    saved = rules.savings(ceiling, value)
    opened = total("remote_opening", "tenders")
    sessions = total("remote_evaluation", "sessions") if "remote_evaluation" in tables else 0
    figures = {
        "transaction_value": rules.money(value),
        "savings": rules.money(saved),
        "savings_rate": rules.percent(rules.rate(saved, ceiling)),
        "remote_opening_share": rules.percent(
            rules.rate(total("remote_opening", "remote_tenders"), opened)
        ),
        "remote_bid_share": rules.percent(
            rules.rate(
                total("remote_opening", "remote_bids"), total("remote_opening", "bids_opened")
            )
        ),
        "remote_evaluation_share": rules.percent(
            rules.rate(total("remote_evaluation", "remote_sessions"), sessions)
            if sessions
            else None
        ),
        "guarantees": int(total("security", "guarantees")),
        "cash_freed": rules.money(total("security", "cash_freed")),
        "deposits_refunded": int(total("refunds", "refunds")),
    }
    if "alerts" in tables:
        figures["alerts"] = int(total("alerts", "raised"))
    return figures
