"""Without PostgreSQL or Redis the proof skips, with the reason; CI makes that a failure."""

from __future__ import annotations

import pytest

from tests.stack import conftest as stack


@pytest.fixture
def no_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 1 answers nothing.
    monkeypatch.setattr(stack, "PG", "postgresql://postgres@127.0.0.1:1")


@pytest.mark.usefixtures("no_postgres")
def test_an_unreachable_database_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOLIO_REQUIRE_STACK", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL at .* is not reachable"):
        stack._check_services()


@pytest.mark.usefixtures("no_postgres")
def test_ci_turns_the_skip_into_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLIO_REQUIRE_STACK", "1")
    with pytest.raises(pytest.fail.Exception, match="FOLIO_REQUIRE_STACK=1 but PostgreSQL"):
        stack._check_services()
