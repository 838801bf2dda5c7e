"""HTML forms of the trading pages. They only carry and render the user's input; the views turn
it into the same dict shape as the JSON API (``draft_data``) so trading.tenders.schemas and
trading.tenders.rules judge web and API input alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import DateTimeLocalInput, NumberInput

from bidhall import inputs
from bidhall.errors import InvalidInput
from bidhall.forms import PageForm

try:  # WTForms 3.3 declares options as SelectChoice; plain (value, label) tuples are deprecated
    from wtforms.fields.choices import SelectChoice as option
except ImportError:  # pragma: no cover - older WTForms

    def option(value: str, label: Any = None) -> tuple[str, Any]:
        return (value, value if label is None else label)


MAX_LOTS = 5
MAX_CRITERIA = 6
DEFAULT_TIMEZONE = "Asia/Shanghai"
TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "UTC")

# Names the templates translate from data (``_(tender.state.value)``, ``_(notice.kind)``): listed
# here with literal msgids so that ``pybabel extract`` keeps them in the catalog.
STATE_NAMES = {
    "draft": _l("draft"),
    "filing": _l("filing"),
    "returned": _l("returned"),
    "filed": _l("filed"),
    "published": _l("published"),
    "suspended": _l("suspended"),
    "closed": _l("closed"),
    "opened": _l("opened"),
    "failed": _l("failed"),
    "terminated": _l("terminated"),
}
RULE_SET_NAMES = {"construction": _l("construction"), "gov_procurement": _l("gov_procurement")}
CATEGORY_NAMES = {"works": _l("works"), "goods": _l("goods"), "services": _l("services")}
# the public portal's notice types (trading.tenders.schemas.NOTICE_TYPES)
NOTICE_TYPE_NAMES = {
    "tender": _l("Tender notices"),
    "change": _l("Clarifications and amendments"),
    "opening": _l("Opening records"),
    "termination": _l("Termination notices"),
}
METHOD_NAMES = {"lowest_price": _l("lowest_price"), "comprehensive": _l("comprehensive")}
AWARD_METHOD_NAMES = {
    "first_candidate": _l("first_candidate"),
    "committee_vote": _l("committee_vote"),
    "price_competition": _l("price_competition"),
    "lottery": _l("lottery"),
}
CRITERION_KIND_NAMES = {
    "price": _l("price"),
    "technical": _l("technical"),
    "commercial": _l("commercial"),
}
NOTICE_KIND_NAMES = {
    "clarification": _l("clarification"),
    "amendment": _l("amendment"),
    "termination": _l("termination"),
}
FILING_DECISION_NAMES = {"accepted": _l("accepted"), "returned": _l("returned")}


def _choices(names: dict[str, Any]) -> list[Any]:
    return [option(value, label) for value, label in names.items()]


def _number(**attrs: Any) -> dict[str, Any]:
    return {"widget": NumberInput(**attrs)}


class LotRow(Form):
    number = StringField(_l("No."), **_number(min=1))
    title = StringField(_l("Lot title"))
    estimated_price = StringField(_l("Estimated price (CNY)"))
    ceiling_price = StringField(_l("Ceiling price (CNY)"))
    guarantee_amount = StringField(_l("Bid guarantee (CNY)"))

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in self)


class CriterionRow(Form):
    name = StringField(_l("Criterion"))
    kind = SelectField(
        _l("Kind"),
        choices=[option("", "—"), *_choices(CRITERION_KIND_NAMES)],
        validate_choice=False,
    )
    max_score = StringField(_l("Max score"), **_number(min=1, max=100))
    objective = BooleanField(_l("Objective"))

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.max_score.data or "").strip()


class TenderForm(PageForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    qualification = TextAreaField(_l("Qualification requirements"))
    rule_set = SelectField(
        _l("Rule set"),
        choices=_choices(RULE_SET_NAMES),
        default="construction",
        validate_choice=False,
    )
    category = SelectField(
        _l("Category"), choices=_choices(CATEGORY_NAMES), default="works", validate_choice=False
    )
    method = SelectField(
        _l("Evaluation method"),
        choices=_choices(METHOD_NAMES),
        default="comprehensive",
        validate_choice=False,
    )
    award_method = SelectField(
        _l("Award method"),
        choices=_choices(AWARD_METHOD_NAMES),
        default="first_candidate",
        validate_choice=False,
    )
    # choices are the centre's regions (the REGIONS setting), set by the view; none: no field
    region = SelectField(_l("Region"), validate_choice=False)
    # choices are the registered tenderer organisations, set by the view
    tenderer_id = SelectField(_l("Tenderer"), validate_choice=False)
    bid_validity_days = StringField(_l("Bid validity (days)"), default="90", **_number(min=1))
    decrypt_window_minutes = StringField(
        _l("Decryption window (minutes)"), default="30", **_number(min=1)
    )
    timezone = SelectField(
        _l("Time zone"),
        choices=[option(z) for z in TIMEZONES],
        default=DEFAULT_TIMEZONE,
        validate_choice=False,
    )
    issue_start = StringField(_l("Documents issued from"), widget=DateTimeLocalInput())
    issue_end = StringField(_l("Documents issued until"), widget=DateTimeLocalInput())
    bid_deadline = StringField(_l("Bid deadline (and online opening)"), widget=DateTimeLocalInput())
    lots = FieldList(FormField(LotRow), min_entries=MAX_LOTS, max_entries=MAX_LOTS)
    criteria = FieldList(
        FormField(CriterionRow), min_entries=MAX_CRITERIA, max_entries=MAX_CRITERIA
    )

    def _field_named(self, error: Any) -> Any:
        """Also a lot's field: "lots[2].title" (the second lot given) or a ``field`` with the
        ``lot`` number."""
        name, lot = error.details.get("field"), error.details.get("lot")
        if not isinstance(name, str):
            return None
        rows = [entry.form for entry in self.lots if not entry.form.is_blank()]
        if lot is not None:
            row = next((r for r in rows if (r.number.data or "").strip() == str(lot)), None)
            return row and row._fields.get(name)
        if name.startswith("lots[") and "]." in name:
            index, _, inner = name[5:].partition("].")
            if index.isdigit() and 0 < int(index) <= len(rows):
                return rows[int(index) - 1]._fields.get(inner)
            return None
        return super()._field_named(error)

    def draft_data(self) -> dict[str, Any]:
        """The input as trading.tenders.schemas.parse_draft takes it. Blank lot and criterion
        rows are left out; local date-times become ISO 8601 strings in the tender's time zone."""
        zone = self.timezone.data or DEFAULT_TIMEZONE
        return {
            "title": self.title.data,
            "description": self.description.data,
            "qualification": self.qualification.data,
            "rule_set": self.rule_set.data,
            "category": self.category.data,
            "method": self.method.data,
            "award_method": self.award_method.data,
            "tenderer_id": self.tenderer_id.data,
            "bid_validity_days": self.bid_validity_days.data,
            "decrypt_window_minutes": self.decrypt_window_minutes.data,
            "timezone": zone,
            "region": self.region.data or None,
            "issue_start": local_moment(self.issue_start.data, zone, "issue_start"),
            "issue_end": local_moment(self.issue_end.data, zone, "issue_end"),
            "bid_deadline": local_moment(self.bid_deadline.data, zone, "bid_deadline"),
            "lots": [
                {
                    "number": row.number.data,
                    "title": row.title.data,
                    "estimated_price": row.estimated_price.data,
                    "ceiling_price": row.ceiling_price.data,
                    "guarantee_amount": row.guarantee_amount.data,
                }
                for row in (entry.form for entry in self.lots)
                if not row.is_blank()
            ],
            "criteria": [
                {
                    "name": row.name.data,
                    "kind": row.kind.data or None,
                    "max_score": _whole_number(row.max_score.data),
                    "objective": bool(row.objective.data),
                }
                for row in (entry.form for entry in self.criteria)
                if not row.is_blank()
            ],
        }


def tender_form_data(tender: Any) -> dict[str, Any]:
    """A stored tender as the form's initial data (date-times in the tender's own zone)."""
    zone = tender.timezone

    def local(value: datetime) -> str:
        return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")

    return {
        "title": tender.title,
        "description": tender.description,
        "qualification": tender.qualification,
        "rule_set": tender.rule_set,
        "category": tender.category,
        "method": tender.method,
        "award_method": tender.award_method,
        "tenderer_id": str(tender.tenderer_id),
        "bid_validity_days": str(tender.bid_validity_days),
        "decrypt_window_minutes": str(tender.decrypt_window_minutes),
        "timezone": zone,
        "region": tender.region or "",
        "issue_start": local(tender.issue_start),
        "issue_end": local(tender.issue_end),
        "bid_deadline": local(tender.bid_deadline),
        "lots": [
            {
                "number": str(lot.number),
                "title": lot.title,
                "estimated_price": str(lot.estimated_price),
                "ceiling_price": str(lot.ceiling_price),
                "guarantee_amount": str(lot.guarantee_amount),
            }
            for lot in tender.lots
        ],
        "criteria": [
            {
                "name": c.get("name", ""),
                "kind": c.get("kind") or "",
                "max_score": "" if c.get("max_score") is None else str(c.get("max_score")),
                "objective": bool(c.get("objective")),
            }
            for c in tender.criteria or []
        ],
    }


def local_moment(raw: str | None, zone: str, field: str) -> str | None:
    """A datetime-local value ("2026-03-02T09:30") read in ``zone``, as an aware ISO string."""
    raw = (raw or "").strip()
    if not raw:
        return None  # parse_draft reports the missing field
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            _("Unknown time zone %(zone)s.", zone=zone), code="invalid_field", field="timezone"
        ) from None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            _("%(field)s must be a date and time like 2026-03-02T09:30.", field=field),
            code="invalid_field",
            field=field,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.isoformat()


def _whole_number(raw: str | None) -> int | str | None:
    """Digits become an int; anything else goes on for trading.tenders.rules to refuse by name."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return inputs.integer(raw, "value")
    except InvalidInput:
        return raw


# --- the management page's action forms ---------------------------------------------------------


class UploadForm(PageForm):
    file = FileField(_l("Document"))


class NoticeForm(PageForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            option("clarification", _l("clarification")),
            option("amendment", _l("amendment")),
        ],
        validate_choice=False,
    )
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Text"))
    affects_preparation = BooleanField(_l("May affect the preparation of bids"))
    # choices are the tender's unanswered questions, set by the view
    question_id = SelectField(_l("Answers the question"), validate_choice=False)


class TerminateForm(PageForm):
    reason = TextAreaField(_l("Reason for termination"))


class AnswerForm(PageForm):
    answer = TextAreaField(_l("Answer"))


class FilingDecisionForm(PageForm):
    reason = TextAreaField(_l("Reasons (required to return the filing)"))


# --- the bidder's forms on the public detail page -----------------------------------------------


class QuestionForm(PageForm):
    body = TextAreaField(_l("Your question"))


class ObjectionForm(PageForm):
    body = TextAreaField(_l("Your objection to the documents"))
