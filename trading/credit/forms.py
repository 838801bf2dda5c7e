"""The supervisors' credit forms on the public credit page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from bidhall.forms import PageForm
from trading.tenders.forms import option

KIND_NAMES = {
    "deduction": _l("deduction of points"),
    "black_list": _l("black list"),
    "red_list": _l("red list"),
}
SUBJECT_KIND_NAMES = {
    "organisation": _l("organisation"),
    "expert": _l("expert"),
}
BASIS_NAMES = {
    "alert": _l("an alert"),
    "complaint": _l("a complaint"),
    "other": _l("another basis"),
}


class AlertCreditForm(PageForm):
    """A credit decision resting on an alert, from the alert's page (its basis is the alert)."""

    subject_kind = SelectField(
        _l("About"),
        choices=[option(k, v) for k, v in SUBJECT_KIND_NAMES.items()],
        validate_choice=False,
    )
    subject_id = StringField(_l("Organisation or expert number"))
    kind = SelectField(
        _l("Decision"), choices=[option(k, v) for k, v in KIND_NAMES.items()], validate_choice=False
    )
    points = StringField(_l("Points deducted (a deduction)"))
    reason = TextAreaField(_l("Reason (published with a list entry)"))
    valid_until = DateField(_l("In force until (inclusive)"), validators=[Optional()])


class DecisionForm(AlertCreditForm):
    basis_kind = SelectField(
        _l("Based on"),
        choices=[
            option("complaint", BASIS_NAMES["complaint"]),
            option("other", BASIS_NAMES["other"]),
        ],
        validate_choice=False,
    )
    basis_id = StringField(_l("Complaint number"))
    basis_ref = StringField(_l("Reference (e.g. the decision document's number)"))
    valid_from = DateField(_l("In force from"), validators=[Optional()])


class RevokeForm(PageForm):
    reason = TextAreaField(_l("Why the decision is revoked"))
