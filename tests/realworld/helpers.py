"""Plain helpers shared by the RealWorld request tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# ISO 8601, UTC, with fractional seconds and Z: what the RealWorld clients parse.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


def errors_of(response: Any) -> dict[str, list[str]]:
    """The RealWorld error body ``{"errors": {...}}``, checking its shape on the way."""
    body = response.get_json()
    assert isinstance(body, dict)
    assert set(body) == {"errors"}, body
    return body["errors"]
