"""Domain errors. Each face (pages, /api/v1, /api) maps them to its own response.

Every error carries ``errors``: a mapping from the field or resource at fault to
messages, the shape all three faces report.
"""

from __future__ import annotations

from folio.i18n import N_


class DomainError(Exception):
    """Base class; ``errors`` names what is wrong, keyed by field or resource."""

    status_code = 400

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        self.errors = errors
        self.message = message or "; ".join(
            f"{key} {', '.join(values)}" for key, values in errors.items()
        )
        super().__init__(self.message)

    @classmethod
    def on(cls, key: str, message: str) -> DomainError:
        return cls({key: [message]})


class NotFound(DomainError):
    status_code = 404

    def __init__(self, resource: str) -> None:
        super().__init__({resource: [N_("not found")]})
        self.resource = resource


class Forbidden(DomainError):
    status_code = 403

    def __init__(self, resource: str, message: str = N_("forbidden")) -> None:
        super().__init__({resource: [message]})
        self.resource = resource


class Conflict(DomainError):
    status_code = 409


class ValidationFailed(DomainError):
    status_code = 422


class Unauthorized(DomainError):
    status_code = 401
