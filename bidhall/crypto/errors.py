"""The refusals of the certificate authority and the key files."""

from __future__ import annotations

from bidhall.errors import Conflict, DomainError, InvalidInput, RuleViolation


class KeyFileError(InvalidInput):
    """A key file cannot be opened (``bad_passphrase``) or is not an intact ``bidhall-key/1``
    file (``invalid_key_file``), or certificates do not fit its keys (``certificate_mismatch``,
    ``invalid_chain``, ``not_enrolled``)."""

    code = "invalid_key_file"


class CertificateRequestInvalid(InvalidInput):
    """A ``bidhall-certreq/1`` request is malformed or its proof of possession fails."""

    code = "invalid_certificate_request"


class CertificateRefused(RuleViolation):
    """A certificate is not good for the use asked: ``unknown_issuer``, ``unknown_certificate``,
    ``not_yet_valid``, ``expired``, ``revoked``, ``wrong_purpose``, ``malformed_certificate``."""

    code = "certificate_refused"


class SignatureInvalid(RuleViolation):
    code = "bad_signature"


class CAExists(Conflict):
    code = "ca_exists"


class CAUnavailable(DomainError):
    """The CA's files are missing or cannot be unlocked: a set-up problem on the server."""

    code = "ca_not_initialised"
    http_status = 503
