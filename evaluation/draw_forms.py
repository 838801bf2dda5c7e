"""HTML forms of the draw pages. They carry the user's input; ``draw_request`` turns it into the
same ``DrawRequest`` the JSON API builds, so evaluation.rules judges web and API input alike."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.widgets import DateTimeLocalInput, NumberInput

from bidhall.errors import InvalidInput
from evaluation.services import DrawRequest
from trading.forms import local_moment
from trading.schemas import integer, moment

MAX_REGIONS = 5
SEPARATORS = re.compile(r"[\s,;，；、]+")


class RegionRow(Form):
    # choices are the pools, set by the view
    region = SelectField(_l("Region (pool)"), validate_choice=False)
    quota = StringField(_l("Members"), widget=NumberInput(min=0))
    reserves = StringField(_l("Reserves"), widget=NumberInput(min=0))

    def is_blank(self) -> bool:
        return not (self.quota.data or "").strip() and not (self.reserves.data or "").strip()


class DrawForm(FlaskForm):
    specialties = StringField(_l("Specialty codes"))
    members = StringField(_l("Committee members"), widget=NumberInput(min=1))
    scheduled_at = StringField(_l("Evaluation starts at"), widget=DateTimeLocalInput())
    regions = FieldList(FormField(RegionRow), min_entries=MAX_REGIONS, max_entries=MAX_REGIONS)

    def draw_request(self, zone: str) -> DrawRequest:
        """The request as the draw service takes it; the local time is read in ``zone`` (the
        tender's). Blank region rows are left out."""
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
        )


class InvitationAnswerForm(FlaskForm):
    # the decision is the name/value of the button pressed: accept or decline
    reason = TextAreaField(_l("Reason for declining"))


class PublishForm(FlaskForm):
    pass
