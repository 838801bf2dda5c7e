"""The alert log's filters and forms, and the names the pages give the stored codes.

``alert_filter`` is the one reader of the filters: the JSON list, the CSV export and the log page
read the same query string the same way, so a value refused by one is refused by all (400,
``InvalidInput``), and the CSV link of the page exports exactly the rows the page lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.widgets import DateInput, NumberInput

from audit.alerts.queries import AlertFilter
from audit.alerts.rules import NOTE_MAX, AlertState, Resolution
from audit.detectors.base import DETECTORS, Severity
from bidhall import config, inputs
from bidhall.errors import InvalidInput
from bidhall.forms import PageForm
from trading.tenders.forms import option

# the query parameters of the log, the JSON list and the CSV export
FILTERS = ("severity", "state", "detector", "tender_id", "session_id", "venue_id", "from", "to")

# Names the pages give stored codes: listed with literal msgids so that ``pybabel extract``
# keeps them in the catalog (tests/pages/codes.py reads the keys: no page shows them raw).
SEVERITY_NAMES = {Severity.YELLOW: _l("Yellow card"), Severity.RED: _l("Red card")}
STATE_NAMES = {
    AlertState.OPEN: lazy_pgettext("alert", "Open"),
    AlertState.ACKNOWLEDGED: lazy_pgettext("alert", "Acknowledged"),
    AlertState.RESOLVED: lazy_pgettext("alert", "Resolved"),
}
RESOLUTION_NAMES = {
    Resolution.CONFIRMED: _l("Confirmed and dealt with"),
    Resolution.FALSE_POSITIVE: _l("False positive"),
}
# every registered detector, by its id (DOMAIN.md §5 and the console's own)
DETECTOR_NAMES = {
    "eval.start_late": _l("Evaluation started late"),
    "eval.too_short": _l("Review too short for the number of bids"),
    "eval.expert_too_fast": _l("A member scored far faster than the others"),
    "eval.suspended": _l("Evaluation suspended"),
    "eval.terminated": _l("Evaluation terminated"),
    "eval.overtime": _l("Evaluation ran past its plan without an extension"),
    "eval.rejections": _l("Unusual rejections of bids"),
    "vote.incomplete": _l("Vote closed before every present member voted"),
    "vote.repeated": _l("Same matter voted again, or its result reversed"),
    "vote.lone_dissent": _l("One member alone against all the others, vote after vote"),
    "score.outlier": _l("A score far from the other members' scores"),
    "score.objective_disagreement": _l("Members disagree on an objective criterion"),
    "score.identical": _l("Two members gave identical scores"),
    "score.favoritism": _l("A member keeps ranking one bidder first against the committee"),
    "presence.lost": _l("Member absent or workstation offline"),
    "bid.same_origin": _l("Bids from the same device, address or file"),
    "bid.same_payer": _l("Deposits paid from the same account"),
    "bid.price_pattern": _l("Bid prices follow a pattern"),
    "bid.identical_price": _l("Identical bid prices"),
    "bid.cover_pattern": _l("Winning bid far below a tight group of losing bids"),
    "bid.same_person": _l("The same person named in different bids"),
    "bid.abnormally_low": _l("Abnormally low bid"),
    "bid.rotation": _l("Bidders take turns winning"),
    "crypto.early_access": _l("Key or decryption requested before the opening"),
    "docs.late_change": _l("Late amendment without moving the deadline"),
    "expert.conflict": _l("Committee member with a conflict of interest"),
    "award.far_below_ceiling": _l("Award far below the ceiling price"),
    # beyond §5: the supervision console's own check (audit/detectors/supervision.py)
    "supervision.unbacked_pause": _l("A session paused with no alert behind it"),
}


def zone() -> str:
    """The platform's time zone: the days of ``from`` and ``to``, the times the pages show."""
    return config.current().get("DEFAULT_TIMEZONE", "Asia/Shanghai")


def detector_name(detector: str) -> str:
    """The detector's name in the page's language (its id for one the table does not know)."""
    name = DETECTOR_NAMES.get(detector)
    return str(name) if name is not None else detector


def detector_ids() -> list[str]:
    """The ids of the registered detectors (every family module loaded), sorted."""
    from audit.detectors import load_all

    load_all()
    return sorted(DETECTORS)


# --- the filters --------------------------------------------------------------------------------


class Arguments(Protocol):
    """A query string: Werkzeug's ``request.args``."""

    def __iter__(self) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


def alert_filter(args: Arguments, zone: str, *, also: Iterable[str] = ()) -> AlertFilter:
    """The filter the query string asks for; empty values are no filter. ``from`` and ``to`` are
    ISO dates (days in ``zone``, both included) or ISO times (``to`` excluded; without an offset,
    in ``zone``). ``also`` names the other parameters the caller reads itself (pagination);
    any other parameter is refused, so that a misspelt filter never exports everything."""
    names = list(args)
    unknown = sorted(set(names) - set(FILTERS) - set(also))
    if unknown:
        raise InvalidInput(
            f"unknown parameter {', '.join(unknown)}: the filters are {', '.join(FILTERS)}",
            code="unknown_parameter",
            parameters=unknown,
        )
    values: dict[str, str | None] = {}
    for name in FILTERS:
        given = args.getlist(name)
        if len(given) > 1:
            raise InvalidInput(f"{name} is given more than once", code="invalid_field", field=name)
        values[name] = (given[0].strip() or None) if given else None
    raised_from = _moment(values["from"], "from", zone, end=False)
    raised_to = _moment(values["to"], "to", zone, end=True)
    if raised_from is not None and raised_to is not None and raised_from >= raised_to:
        raise InvalidInput("the period is empty: from must come before to", code="invalid_period")
    return AlertFilter(
        severity=_one_of(values["severity"], "severity", [str(s) for s in Severity]),
        state=_one_of(values["state"], "state", [str(s) for s in AlertState]),
        detector=_one_of(values["detector"], "detector", detector_ids()),
        tender_id=_identifier(values["tender_id"], "tender_id"),
        session_id=_identifier(values["session_id"], "session_id"),
        venue_id=_identifier(values["venue_id"], "venue_id"),
        raised_from=raised_from,
        raised_to=raised_to,
    )


def _one_of(value: str | None, field: str, known: list[str]) -> str | None:
    if value is None or value in known:
        return value
    raise InvalidInput(
        f"unknown {field} {value!r}: it is one of {', '.join(known)}",
        code=f"unknown_{field}",
        field=field,
        value=value,
    )


def _identifier(value: str | None, field: str) -> int | None:
    return None if value is None else inputs.identifier(value, field)


def _moment(value: str | None, field: str, zone: str, *, end: bool) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:  # a day: from its start, or (as the end) to the next day's start
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(), ZoneInfo(zone))
            if end:
                moment += timedelta(days=1)
        else:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(zone))
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{field} must be an ISO date (2026-03-01) or time (2026-03-01T09:30:00+08:00)",
            code="invalid_field",
            field=field,
        ) from None


# --- the page's forms ---------------------------------------------------------------------------


def _any(names: dict) -> list[Any]:
    return [option("", _l("Any")), *(option(str(code), name) for code, name in names.items())]


class FilterForm(Form):
    """The log's filters, read from the query string (a GET form: no CSRF token in the URL)."""

    severity = SelectField(_l("Card"), choices=_any(SEVERITY_NAMES), validate_choice=False)
    state = SelectField(_l("State"), choices=_any(STATE_NAMES), validate_choice=False)
    # choices are the registered detectors, set by the view
    detector = SelectField(_l("Detector"), validate_choice=False)
    tender_id = StringField(_l("Tender number"), widget=NumberInput(min=1))
    session_id = StringField(_l("Evaluation session number"), widget=NumberInput(min=1))
    venue_id = StringField(_l("Venue number"), widget=NumberInput(min=1))
    # ``from`` is a Python keyword: these two fields carry the query parameters' names
    raised_from = StringField(_l("Raised from (day)"), widget=DateInput(), name="from")
    raised_to = StringField(_l("Raised until (day, included)"), widget=DateInput(), name="to")

    def __init__(self, args: Arguments) -> None:
        super().__init__()
        for field in self:
            given = args.getlist(field.name)
            field.data = given[0] if given else ""
        self.detector.choices = [
            option("", _l("Any")),
            *(option(code, detector_name(code)) for code in detector_ids()),
        ]


class AcknowledgeForm(PageForm):
    pass


class AssignForm(PageForm):
    # choices are the active supervisors, set by the view
    assignee_id = SelectField(_l("Assign to"), validate_choice=False)


class ResolveForm(PageForm):
    resolution = SelectField(
        _l("Resolution"),
        choices=[option(str(code), name) for code, name in RESOLUTION_NAMES.items()],
        validate_choice=False,
    )
    note = TextAreaField(
        _l("Note (required): what was found and done"),
        render_kw={"required": True, "maxlength": NOTE_MAX, "rows": 4},
    )
