from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from bidhall.accounts.models import ORG_KIND_FOR_ROLE, Role
from bidhall.forms import PageForm

try:  # WTForms 3.3 declares options as SelectChoice; plain (value, label) tuples are deprecated
    from wtforms.fields.choices import SelectChoice as option
except ImportError:  # pragma: no cover - older WTForms

    def option(value, label=None):  # type: ignore[no-redef]
        return (value, value if label is None else label)


# shown names of roles and organisation kinds (the stored values stay English); listed with
# literal msgids so that ``pybabel extract`` keeps them, and templates may say _(role.value)
ROLE_NAMES = {
    "tenderer": _l("tenderer"),
    "agency": _l("agency"),
    "bidder": _l("bidder"),
    "expert": _l("expert"),
    "supervisor": _l("supervisor"),
    "issuer": _l("issuer"),
    "admin": _l("admin"),
}
ORG_KIND_NAMES = {
    "tenderer": _l("tenderer"),
    "agency": _l("agency"),
    "bidder": _l("bidder"),
    "expert": _l("expert"),
    "authority": _l("authority"),
    "issuer": _l("issuer"),
    "platform": _l("platform"),
}


class LoginForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class OrganisationForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            option(kind, ORG_KIND_NAMES.get(kind, kind))
            for kind in sorted(set(ORG_KIND_FOR_ROLE.values()))
        ],
    )
    credit_code = StringField(
        _l("Unified social credit code"), validators=[Optional(), Length(min=18, max=18)]
    )


class UserForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=80)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=[option(r.value, ROLE_NAMES.get(r.value, r.value)) for r in Role]
    )
    organisation_id = SelectField(_l("Organisation"), coerce=int)


class TokenForm(PageForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. “sealing script on the office PC”."),
    )


class RegistrationForm(PageForm):
    """A company's self-service registration (bidhall.accounts.registrations)."""

    organisation_name = StringField(
        _l("Company name"), validators=[DataRequired(), Length(max=200)]
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(min=18, max=18)],
        description=_l("18 characters, as on the business licence."),
    )
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=120)])
    email = StringField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The centre's answer and later messages go here."),
    )
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class RejectionForm(PageForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
