"""The award page's forms (the tender's managers) and the bidder's objection to the result."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from bidhall.forms import PageForm
from trading.tenders.forms import option

STATE_NAMES = {
    "reported": _l("report received"),
    "publicity": _l("candidates in publicity"),
    "awarded": _l("awarded"),
    "contracted": _l("contract signed"),
    "failed": _l("lot failed"),
}

BYPASS_REASON_NAMES = {
    "gave_up": _l("The candidates ranked higher gave up the award"),
    "no_performance_security": _l("The candidates ranked higher gave no performance security"),
    "ineligible": _l("The candidates ranked higher were found ineligible"),
}


class PublicityForm(PageForm):
    days = IntegerField(
        _l("Publicity period (days, at least 3)"), default=3, validators=[Optional()]
    )


class AwardObjectionForm(PageForm):
    body = TextAreaField(_l("Your objection to the result"))


class AwardAnswerForm(PageForm):
    answer = TextAreaField(_l("Answer"))


class DecisionForm(PageForm):
    rank = SelectField(_l("Awarded candidate"), default="1")
    reason = SelectField(
        _l("Why a candidate ranked higher is passed over"),
        choices=[option("", "—"), *(option(k, v) for k, v in BYPASS_REASON_NAMES.items())],
        default="",
    )
    note = TextAreaField(_l("The facts (required when the first candidate is passed over)"))
    # the award committee's vote (评定分离): one line per member, "name; rank chosen; reason"
    ballots = TextAreaField(_l("The award committee's ballots: one line per member"))


def parse_ballots(text: str | None) -> list[dict]:
    """The ballots' lines, "name; rank; reason", as the service takes them (it checks them)."""
    ballots = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.replace("；", ";").split(";", 2)]
        parts += [""] * (3 - len(parts))
        ballots.append({"member": parts[0], "choice": parts[1], "reason": parts[2]})
    return ballots


class ContractForm(PageForm):
    amount = StringField(_l("Contract amount (yuan)"))
    performance_security = StringField(_l("Performance security (yuan, at most 10%)"), default="0")
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
