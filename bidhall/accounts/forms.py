from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from bidhall.accounts.models import ORG_KIND_FOR_ROLE, Role


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=sorted(set(ORG_KIND_FOR_ROLE.values())))
    credit_code = StringField(_l("Unified social credit code"),
                              validators=[Optional(), Length(min=18, max=18)])


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=80)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[r.value for r in Role])
    organisation_id = SelectField(_l("Organisation"), coerce=int)
