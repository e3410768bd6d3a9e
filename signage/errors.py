"""Errors that services raise and interfaces turn into responses.

Services raise these instead of touching HTTP; the API answers each with its status and
the uniform body `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

from typing import Any


class SignageError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class ValidationFailed(SignageError):
    status = 422
    code = "validation_error"


class NotFound(SignageError):
    status = 404
    code = "not_found"


class Unauthorized(SignageError):
    status = 401
    code = "unauthorized"


class Forbidden(SignageError):
    status = 403
    code = "forbidden"


class Conflict(SignageError):
    status = 409
    code = "conflict"


class RateLimited(SignageError):
    """Too many attempts; `retry_after_s` goes out as the Retry-After header."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
