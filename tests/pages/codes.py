"""The codes a page must never show as they are stored: enum values, the names the templates
translate from data (states, roles, methods, kinds, reasons) and error codes, all read from the
code that defines them, so a new value is checked the day it is added."""

from __future__ import annotations

import enum
import re
from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
CATALOG = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
_CODE = re.compile(r"[a-z][a-z0-9_]*")


def _values(namespace: object) -> set[str]:
    """The string values of an enum, or the string constants of a class of constants."""
    if isinstance(namespace, type) and issubclass(namespace, enum.Enum):
        return {str(member.value) for member in namespace}
    return {
        value
        for name, value in vars(namespace).items()
        if name.isupper() and isinstance(value, str)
    }


def _error_codes() -> set[str]:
    from bidhall.errors import DomainError

    codes, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        codes.add(cls.code)
        todo.extend(cls.__subclasses__())
    with open(CATALOG, "rb") as po_file:
        catalog = read_po(po_file)
    codes |= {str(m.id).removeprefix("error:") for m in catalog if str(m.id).startswith("error:")}
    return codes


def raw_codes() -> set[str]:
    """Every stored code a page could show; all lower-case ASCII, so that a name ("Published",
    已发布) never matches and a bare code ("published") always does."""
    from audit.alerts import forms as alert_forms
    from audit.alerts.rules import AlertState, Resolution
    from audit.detectors.base import Severity
    from bidhall.accounts import forms as account_forms
    from bidhall.accounts.models import ORG_KIND_FOR_ROLE, Role
    from bidhall.crypto.models import CertificatePurpose
    from evaluation.draws import views as draw_views
    from evaluation.draws.models import PlaceStatus
    from trading.bids.models import BidState
    from trading.guarantees import rules as guarantee_rules
    from trading.guarantees.models import DepositState, GuaranteeState
    from trading.opening.rules import HallRole, Outcome, Phase
    from trading.tenders import forms as tender_forms
    from trading.tenders import rules as tender_rules
    from trading.tenders.models import TenderState

    codes: set[str] = set()
    for kind in (
        Role,
        TenderState,
        BidState,
        GuaranteeState,
        DepositState,
        CertificatePurpose,
        Phase,
        Outcome,
        HallRole,
        PlaceStatus,
        AlertState,
        Resolution,
        Severity,
    ):
        codes |= _values(kind)
    codes |= set(ORG_KIND_FOR_ROLE.values())
    for table in (
        account_forms.ROLE_NAMES,
        account_forms.ORG_KIND_NAMES,
        tender_forms.STATE_NAMES,
        tender_forms.RULE_SET_NAMES,
        tender_forms.CATEGORY_NAMES,
        tender_forms.METHOD_NAMES,
        tender_forms.CRITERION_KIND_NAMES,
        tender_forms.NOTICE_KIND_NAMES,
        tender_forms.FILING_DECISION_NAMES,
        draw_views.STATUS_NAMES,
        draw_views.DRAW_STATE_NAMES,
        draw_views.REASON_NAMES,
        tender_rules.RULE_SETS,
        alert_forms.SEVERITY_NAMES,
        alert_forms.STATE_NAMES,
        alert_forms.RESOLUTION_NAMES,
    ):
        codes |= {str(key) for key in table}
    for values in (
        tender_rules.METHODS,
        tender_rules.CATEGORIES,
        tender_rules.CRITERION_KINDS,
        guarantee_rules.ISSUER_KINDS,
        guarantee_rules.ISSUER_STATUSES,
        guarantee_rules.GUARANTEE_KINDS,
        guarantee_rules.CLAIM_TRIGGERS,
    ):
        codes |= set(values)
    codes |= _error_codes()
    return {code for code in codes if isinstance(code, str) and _CODE.fullmatch(code)}
