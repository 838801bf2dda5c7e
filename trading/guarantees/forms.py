"""The finance officer's forms: record a refund, record a release."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from bidhall.forms import PageForm
from trading.tenders.forms import option


class RefundForm(PageForm):
    bank_reference = StringField(_l("Bank reference of the transfer"))
    interest = DecimalField(
        _l("Interest paid (leave empty: computed at the centre's rate)"),
        places=2,
        validators=[Optional()],
    )


class ReleaseForm(PageForm):
    note = TextAreaField(_l("Note to the record (e.g. the release message's reference)"))


# what obliged the return (rules.RETURN_DAYS) and what let the tenderer keep it
# (rules.CLAIM_TRIGGERS), as the desk words them
RETURN_REASONS = {
    "contract_signed": _l("contract signed"),
    "withdrawal": _l("bid withdrawn"),
    "termination": _l("tender terminated"),
    "replaced": _l("guarantee replaced"),
}
KEEP_TRIGGERS = {
    "withdrawal_after_deadline": _l("bid withdrawn after the deadline"),
    "not_decrypted": _l("bid not decrypted at the opening"),
    "refused_contract": _l("winner refused the contract"),
    "refused_performance_security": _l("winner refused the performance security"),
    "fraud": _l("fraud in the bid"),
}


SECURITY_STATES = {
    "active": _l("in force"),
    "superseded": _l("replaced"),
    "claimed": _l("claimed"),
    "released": _l("released"),
    "held": _l("held"),
    "refunded": _l("refunded"),
    "forfeited": _l("kept by the tenderer"),
}


class KeepForm(PageForm):
    """A claim on a guarantee or a cash deposit kept, for one of the claim triggers."""

    trigger = SelectField(
        _l("Trigger"),
        choices=[option(key, name) for key, name in KEEP_TRIGGERS.items()],
        validate_choice=False,
    )
    reason = TextAreaField(_l("The facts (recorded; the issuer reads a claim's)"))
