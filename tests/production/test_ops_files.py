"""gunicorn.conf.py, Dockerfile, compose.yaml and .env.example say what production needs."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name in ("WEB_CONCURRENCY", "PORT", "GUNICORN_BIND", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_runs_sync_workers_recycled_with_jitter(gunicorn_settings: dict) -> None:
    settings = gunicorn_settings
    assert settings["worker_class"] == "sync"
    assert settings["workers"] >= 2
    assert settings["timeout"] == 30
    assert settings["max_requests"] > 0
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]
    assert settings["accesslog"] == "-"
    assert settings["preload_app"] is False
    # Trusting the proxy is the app's job (PROXY_FIX_HOPS), not gunicorn's.
    assert settings["forwarded_allow_ips"] == ""


def test_the_access_log_redacts_credentials_in_urls(gunicorn_settings: dict) -> None:
    from types import SimpleNamespace

    from gunicorn.config import Config

    logger = gunicorn_settings["RedactingLogger"](Config())
    request = SimpleNamespace(
        method="GET",
        uri="/auth/reset/SECRETTOKEN?x=1",
        version=(1, 1),
        path="/auth/reset/SECRETTOKEN",
        query="token=ABC",
        headers=[],
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    environ = {
        "REMOTE_ADDR": "203.0.113.1",
        "RAW_URI": "/auth/reset/SECRETTOKEN?x=1",
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "token=ABC",
    }
    from datetime import timedelta

    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    assert "SECRETTOKEN" not in str(atoms)
    assert "token=ABC" not in str(atoms)


def test_the_image_is_multi_stage_and_runs_as_a_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) >= 2
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert "db upgrade" not in dockerfile.split("CMD", 1)[1]


def test_compose_migrates_in_a_release_step_before_web_and_worker() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with the dev extra")
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert {"web", "worker", "postgres", "redis", "migrate"} <= set(services)
    assert services["migrate"]["command"][-2:] == ["db", "upgrade"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["worker"]["command"][:3] == ["celery", "-A", "folio.tasks"]


def test_env_example_documents_every_variable_read() -> None:
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    read: set[str] = set()
    for path in (ROOT / "src" / "folio" / "config.py", ROOT / "gunicorn.conf.py"):
        text = path.read_text()
        read |= set(re.findall(r"environ\.get\(\"([A-Z0-9_]+)\"", text))
        read |= set(re.findall(r"env\.get\(\"([A-Z0-9_]+)\"", text))
        for group in re.findall(r"for key in \(([^)]*)\)", text):
            read |= set(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", group))
    assert read, "the scan found no variables"
    assert read - documented == set()


def test_compose_runs_a_beat_that_publishes_scheduled_articles() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with the dev extra")
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "folio.tasks", "beat"]
    assert services["beat"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
