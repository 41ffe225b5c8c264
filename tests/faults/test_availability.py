"""Without PostgreSQL's or Redis's binaries the fault suite skips, with the reason; CI
makes that a failure."""

from __future__ import annotations

import pytest

from tests.faults import conftest as faults


@pytest.fixture
def no_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")


@pytest.mark.usefixtures("no_redis")
def test_missing_binaries_skip_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOLIO_REQUIRE_FAULTS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="fault suite not available: no "):
        faults.find_binaries()


@pytest.mark.usefixtures("no_redis")
def test_ci_turns_the_skip_into_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLIO_REQUIRE_FAULTS", "1")
    with pytest.raises(pytest.fail.Exception, match="FOLIO_REQUIRE_FAULTS=1 but no "):
        faults.find_binaries()


def test_a_missing_postgresql_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOLIO_REQUIRE_FAULTS", raising=False)
    monkeypatch.setenv("FOLIO_FAULTS_PG_BIN", "/nonexistent")
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server binaries"):
        faults.find_binaries()
