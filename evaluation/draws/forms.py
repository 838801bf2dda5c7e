"""HTML forms of the draw pages. They carry the user's input; ``draw_request`` turns it into the
same ``DrawRequest`` the JSON API builds, so evaluation.draws.rules judges web and API input
alike."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.widgets import DateTimeLocalInput, NumberInput

from bidhall.errors import InvalidInput
from bidhall.forms import PageForm
from evaluation.draws import services
from evaluation.draws.rules import ANSWER_MINUTES_MAX, ANSWER_MINUTES_MIN
from evaluation.draws.services import DrawRequest
from trading.tenders.forms import local_moment, option
from trading.tenders.schemas import integer, moment

MAX_REGIONS = 5
MAX_VENUES = 6
SEPARATORS = re.compile(r"[\s,;，；、]+")


class RegionRow(Form):
    # choices are the pools, set by the view
    region = SelectField(_l("Region (pool)"), validate_choice=False)
    quota = StringField(_l("Members"), widget=NumberInput(min=0))
    reserves = StringField(_l("Reserves"), widget=NumberInput(min=0))

    def is_blank(self) -> bool:
        return not (self.quota.data or "").strip() and not (self.reserves.data or "").strip()


class VenueRow(Form):
    # choices are the venues, set by the view
    venue = SelectField(_l("Venue"), validate_choice=False)
    quota = StringField(_l("Members"), widget=NumberInput(min=1))
    reserves = StringField(_l("Reserves"), widget=NumberInput(min=0))
    role = SelectField(
        _l("Main or secondary"),
        choices=[option("main", _l("main venue")), option("secondary", _l("secondary venue"))],
        default="secondary",
        validate_choice=False,
    )

    def is_blank(self) -> bool:
        return not any(
            (field.data or "").strip() for field in (self.venue, self.quota, self.reserves)
        )


class DrawForm(PageForm):
    specialties = StringField(_l("Specialty codes"))
    members = StringField(_l("Committee members"), widget=NumberInput(min=1))
    scheduled_at = StringField(_l("Evaluation starts at"), widget=DateTimeLocalInput())
    regions = FieldList(FormField(RegionRow), min_entries=MAX_REGIONS, max_entries=MAX_REGIONS)
    venues = FieldList(FormField(VenueRow), min_entries=MAX_VENUES, max_entries=MAX_VENUES)
    answer_minutes = StringField(
        _l("Confirmation window (minutes)"),
        widget=NumberInput(min=ANSWER_MINUTES_MIN, max=ANSWER_MINUTES_MAX),
    )

    def draw_request(self, zone: str) -> DrawRequest:
        """The request as the draw service takes it; the local time is read in ``zone`` (the
        tender's). Blank region and venue rows are left out; the venue rows are read by the
        JSON API's own parser (``services.venue_quotas``)."""
        codes = tuple(c.upper() for c in SEPARATORS.split(self.specialties.data or "") if c)
        quotas: dict[str, int] = {}
        reserves: dict[str, int] = {}
        for index, row in enumerate(entry.form for entry in self.regions):
            if row.is_blank():
                continue
            region = (row.region.data or "").strip()
            if not region:
                raise InvalidInput(
                    _("Choose the region of each row with members or reserves."),
                    code="region_missing",
                    field=f"regions-{index}-region",
                )
            if region in quotas:
                raise InvalidInput(
                    _("Region %(region)s is given twice.", region=region),
                    code="region_twice",
                    field=f"regions-{index}-region",
                )
            quotas[region] = integer({"quota": row.quota.data}, "quota", default=0)
            reserves[region] = integer({"reserves": row.reserves.data}, "reserves", default=0)
        scheduled = local_moment(self.scheduled_at.data, zone, "scheduled_at")
        return DrawRequest(
            specialties=codes,
            members=integer({"members": self.members.data}, "members"),
            quotas=quotas,
            reserves=reserves,
            scheduled_at=moment({"scheduled_at": scheduled}, "scheduled_at"),
            venues=services.venue_quotas(self._venue_rows()),
            answer_minutes=services.answer_minutes({"answer_minutes": self.answer_minutes.data}),
        )

    def _venue_rows(self) -> list[dict[str, str]] | None:
        """The filled venue rows as the API's ``venues`` list; None when there are none."""
        rows = []
        for index, row in enumerate(entry.form for entry in self.venues):
            if row.is_blank():
                continue
            if not (row.venue.data or "").strip():
                raise InvalidInput(
                    _("Choose the venue of each row with members or reserves."),
                    code="venue_missing",
                    field=f"venues-{index}-venue",
                )
            rows.append(
                {
                    "venue_id": row.venue.data,
                    "quota": row.quota.data,
                    "reserves": row.reserves.data,
                    "role": row.role.data or "secondary",
                }
            )
        return rows or None


class InvitationAnswerForm(PageForm):
    # the decision is the name/value of the button pressed: accept or decline
    reason = TextAreaField(_l("Reason for declining"))


class PublishForm(PageForm):
    pass
