"""One error hierarchy for the whole platform.

Every refusal a user can meet is a ``DomainError``: it carries a stable machine ``code``, a human
``message`` and optional JSON-safe ``details``. HTTP and Socket.IO turn it into the same payload:
``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    http_status = 422

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class InvalidInput(DomainError):
    """The request's shape is wrong: a missing field, a non-number, an unknown option."""

    code = "invalid_input"
    http_status = 400


class Unauthenticated(DomainError):
    code = "unauthenticated"
    http_status = 401


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """The action clashes with the current state (wrong state, duplicate)."""

    code = "conflict"
    http_status = 409


class RuleViolation(DomainError):
    """A business or legal rule refuses the action (a time limit, a cap)."""

    code = "rule_violation"
    http_status = 422


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    http_status = 405


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    http_status = 429
