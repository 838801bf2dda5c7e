"""The notices the platform signs to a guarantee's issuer: the release (释放) once the guarantee
is due back and released, and the claim (索赔) when the beneficiary claims on it.

A notice is the issuer's evidence, as a receipt is the bidder's: ``bidhall.crypto.signed``
signs its body with the platform's key, beside the certificate chain, so the issuer's own system
checks it offline (``verify``) before it closes or pays the guarantee. The body names the
guarantee by its number and the SHA-256 of the document the issuer signed, never anything of
the bid itself.
"""

from __future__ import annotations

import json
from typing import Any

from bidhall import clock
from bidhall.crypto import signed
from trading.guarantees.models import Guarantee, GuaranteeClaim

RELEASE_FORMAT = "bidhall-guarantee-release/1"
CLAIM_FORMAT = "bidhall-guarantee-claim/1"
FORMATS = {RELEASE_FORMAT: "guarantee release", CLAIM_FORMAT: "guarantee claim"}


def release_notice(guarantee: Guarantee) -> str:
    """The signed release of a guarantee just released (``services.release_guarantee``)."""
    return _sign(
        {
            "format": RELEASE_FORMAT,
            **_guarantee(guarantee),
            "reason": guarantee.release_reason,
            "due_at": guarantee.release_due_at.isoformat(),
            "released_at": clock.as_utc(guarantee.released_at).isoformat(),
        }
    )


def claim_notice(guarantee: Guarantee, claim: GuaranteeClaim) -> str:
    """The signed claim on a guarantee (``services.claim_guarantee``): the beneficiary's demand
    for its amount, with the trigger and the reasons given."""
    return _sign(
        {
            "format": CLAIM_FORMAT,
            **_guarantee(guarantee),
            "claim_id": claim.id,
            "trigger": claim.trigger,
            "reason": claim.reason,
            "amount": str(claim.amount),
            "currency": guarantee.currency,
            "claimed_at": clock.as_utc(claim.claimed_at).isoformat(),
        }
    )


def verify(document: object, root_pem: str | None = None) -> dict[str, Any]:
    """Check a notice offline (its format, the platform's signature and chain); its body."""
    body_format = document.get("notice", {}).get("format") if isinstance(document, dict) else None
    wanted = body_format if body_format in FORMATS else RELEASE_FORMAT
    return signed.verify(document, "notice", wanted, FORMATS[wanted], root_pem)


def _guarantee(guarantee: Guarantee) -> dict[str, Any]:
    return {
        "guarantee": {
            "number": guarantee.number,
            "document_sha256": guarantee.document_sha256,
            "issuer_organisation_id": guarantee.issuer_organisation_id,
            "applicant_organisation_id": guarantee.applicant_organisation_id,
            "beneficiary_organisation_id": guarantee.beneficiary_organisation_id,
        },
        "tender": {"id": guarantee.tender_id, "reference": guarantee.tender.reference},
        "lot": guarantee.lot_number,
    }


def _sign(body: dict[str, Any]) -> str:
    return json.dumps(signed.sign(body, "notice"), ensure_ascii=False, sort_keys=True)
