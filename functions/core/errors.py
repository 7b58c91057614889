"""Domain errors. Each carries what a caller needs; functions.core.http maps them to HTTP."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, fields: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class NotStored(NotFound):
    """The thing exists but its content was not kept (an attachment too large to store): a 404 saying why."""

    def __init__(self, kind: str, ident: str, reason: str) -> None:
        super().__init__(kind, ident)
        self.message = f"{kind} {ident} was not stored: {reason}"
        self.args = (self.message,)
        self.reason = reason


class InvalidInput(DomainError):
    code = "invalid_input"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class VersionConflict(Conflict):
    code = "version_conflict"

    def __init__(self, kind: str, ident: str, expected: int, current: int | None) -> None:
        super().__init__(
            f"{kind} {ident} was changed by someone else: you had version {expected}, "
            f"it is now at version {current}; reload and try again"
        )
        self.kind = kind
        self.ident = ident
        self.expected = expected
        self.current = current


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, from_: str, to: str, allowed: list[str]) -> None:
        super().__init__(f"cannot change status from {from_} to {to}; allowed: {', '.join(allowed) or 'none'}")
        self.from_ = from_
        self.to = to
        self.allowed = allowed


class Duplicate(Conflict):
    code = "duplicate"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class Unavailable(DomainError):
    """A dependency kept refusing for now (throttled past its retries): try again shortly (503)."""

    code = "unavailable"


class RateLimited(DomainError):
    """Too many requests from one client or for one address: try again after ``retry_after`` seconds (429)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 3600, fields: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, fields=fields)
        self.retry_after = retry_after


class ChallengeRequired(DomainError):
    """The client sent a lot: solve a proof-of-work challenge (GET /web/challenge) and send it along (429)."""

    code = "challenge_required"
