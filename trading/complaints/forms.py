"""The complaint forms: the bidder's, on the tender's page, and the supervisor's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import Optional

from bidhall.forms import PageForm
from trading.tenders.forms import option

SUBJECT_NAMES = {
    "documents": _l("the tender documents"),
    "opening": _l("the opening"),
    "result": _l("the evaluation result"),
    "other": _l("another matter"),
}
STATE_NAMES = {
    "filed": _l("awaiting acceptance"),
    "not_accepted": _l("not accepted"),
    "accepted": _l("under review"),
    "upheld": _l("upheld"),
    "dismissed": _l("dismissed"),
}


class ComplaintForm(PageForm):
    subject = SelectField(
        _l("About"),
        choices=[option(k, v) for k, v in SUBJECT_NAMES.items()],
        validate_choice=False,
    )
    known_on = DateField(_l("You knew of it on"), validators=[Optional()])
    body = TextAreaField(_l("Your complaint to the supervisor"))


class AcceptForm(PageForm):
    suspend = BooleanField(_l("Suspend the tender until the decision (Regs Art 62)"))


class RefuseForm(PageForm):
    reason = TextAreaField(_l("Why the complaint is not accepted"))


class DecideForm(PageForm):
    outcome = SelectField(
        _l("Decision"),
        choices=[option("upheld", _l("upheld")), option("dismissed", _l("dismissed"))],
        validate_choice=False,
    )
    decision = TextAreaField(_l("The decision and its reasons (published)"))
