"""The read side of alerts: the supervisors' list with its filters, one alert, and the JSON and
CSV rows (the CSV export is the JSON list row for row)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from audit.alerts.models import Alert
from bidhall.accounts.models import Role, User
from bidhall.db import db


@dataclass(frozen=True)
class AlertFilter:
    severity: str | None = None
    detector: str | None = None
    tender_id: int | None = None
    session_id: int | None = None
    venue_id: int | None = None
    state: str | None = None
    raised_from: datetime | None = None
    raised_to: datetime | None = None  # exclusive


def filtered(query: Select, where: AlertFilter) -> Select:
    """``query`` narrowed to the alerts ``where`` names (the log, the CSV, the charts)."""
    for column, value in (
        (Alert.severity, where.severity),
        (Alert.detector, where.detector),
        (Alert.tender_id, where.tender_id),
        (Alert.session_id, where.session_id),
        (Alert.venue_id, where.venue_id),
        (Alert.state, where.state),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.raised_from is not None:
        query = query.where(Alert.raised_at >= where.raised_from)
    if where.raised_to is not None:
        query = query.where(Alert.raised_at < where.raised_to)
    return query


def alerts(
    where: AlertFilter = AlertFilter(), *, limit: int | None = None, offset: int = 0
) -> list[Alert]:
    """Newest first."""
    query = filtered(select(Alert), where).order_by(Alert.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count(where: AlertFilter = AlertFilter()) -> int:
    return db.session.scalar(filtered(select(func.count(Alert.id)), where)) or 0


def counts_by_severity(where: AlertFilter = AlertFilter()) -> dict[str, int]:
    query = filtered(select(Alert.severity, func.count(Alert.id)), where).group_by(Alert.severity)
    return {severity: n for severity, n in db.session.execute(query)}


def alert(alert_id: int) -> Alert | None:
    return db.session.get(Alert, alert_id)


COLUMNS = (
    "id",
    "detector",
    "severity",
    "state",
    "raised_at",
    "tender_id",
    "session_id",
    "venue_id",
    "subject",
    "summary",
    "basis",
    "seqs",
    "assignee_id",
    "acknowledged_at",
    "resolved_at",
    "resolution",
    "note",
)


def to_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "detector": alert.detector,
        "severity": alert.severity,
        "state": alert.state,
        "raised_at": _time(alert.raised_at),
        "tender_id": alert.tender_id,
        "session_id": alert.session_id,
        "venue_id": alert.venue_id,
        "subject": alert.subject,
        "summary": alert.summary,
        "basis": alert.basis,
        "evidence": alert.evidence,
        "seq": alert.seq,
        "assignee_id": alert.assignee_id,
        "acknowledged_at": _time(alert.acknowledged_at),
        "acknowledged_by_id": alert.acknowledged_by_id,
        "resolved_at": _time(alert.resolved_at),
        "resolved_by_id": alert.resolved_by_id,
        "resolution": alert.resolution,
        "note": alert.note,
    }


def csv_row(alert: Alert) -> list[Any]:
    data = to_json(alert)
    data["seqs"] = " ".join(str(seq) for seq in alert.evidence.get("seqs", []))
    return ["" if data[name] is None else data[name] for name in COLUMNS]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def supervisors() -> list[User]:
    """The active supervisors, by name: whom an alert may be assigned to."""
    query = select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True))
    return list(db.session.scalars(query.order_by(User.display_name, User.id)))


def names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The display names of these users (assignees, who acknowledged or resolved), by id."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(wanted))
    return {user_id: name for user_id, name in db.session.execute(query)}
