"""Structural rules of the codebase that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "folio"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


RULES = sorted(
    {
        *PACKAGE.glob("core/*.py"),
        *(
            path
            for name in ("rules.py", "queries.py", "search.py", "events.py", "markdown.py")
            for path in PACKAGE.glob(f"*/{name}")
        ),
    }
)


@pytest.mark.parametrize("path", RULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rules_do_not_import_flask(path: Path) -> None:
    flask_imports = {
        name for name in _imported_modules(path) if name == "flask" or name.startswith("flask")
    }
    assert not flask_imports, f"{path.name} imports {flask_imports}: rules stay Flask-free"


@pytest.mark.parametrize("path", sorted((PACKAGE / "models").glob("*.py")), ids=lambda p: p.name)
def test_models_do_not_import_flask(path: Path) -> None:
    assert not {n for n in _imported_modules(path) if n.startswith("flask")}


def test_importing_the_package_has_no_side_effects(tmp_path: Path) -> None:
    # A fresh interpreter imports every module; nothing may connect, create files or
    # read required settings at import time.
    code = (
        "import pkgutil, importlib, folio\n"
        "for m in pkgutil.walk_packages(folio.__path__, 'folio.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_legacy_query_api_or_create_all_in_the_package() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text("utf-8")
        if ".query." in text or "create_all(" in text:
            offenders.append(path.name)
    assert offenders == []


FACE_MODULES = ("pages.py", "admin_pages.py", "feeds.py", "api_v1.py", "tags_api_v1.py")
FACES = sorted(
    {
        *(
            path
            for folder in ("web", "api", "realworld")
            for path in (PACKAGE / folder).glob("*.py")
        ),
        *(path for name in FACE_MODULES for path in PACKAGE.glob(f"*/{name}")),
        *PACKAGE.glob("*/realworld.py"),
        PACKAGE / "notifications.py",
    }
)


@pytest.mark.parametrize("path", FACES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_faces_write_through_the_unit_of_work(path: Path) -> None:
    # A handler that commits on db.session itself would skip the events and their effects.
    text = path.read_text("utf-8")
    assert "db.session" not in text, f"{path.name} touches db.session: use core.uow"
    assert ".commit()" not in text, f"{path.name} commits by hand: use unit_of_work()"


AREAS = ("accounts", "articles", "comments", "media", "social")


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_no_area(path: Path) -> None:
    areas = {
        name
        for name in _imported_modules(path)
        if any(name == f"folio.{area}" or name.startswith(f"folio.{area}.") for area in AREAS)
    }
    assert not areas, f"core/{path.name} imports {areas}: core knows no area"


@pytest.mark.parametrize(
    "path",
    sorted(p for area in AREAS for p in (PACKAGE / area).glob("events.py")),
    ids=lambda p: p.parent.name,
)
def test_events_carry_ids_not_orm_objects(path: Path) -> None:
    # Subscribers run after the commit, maybe in another process: events hold plain values.
    assert "folio.models" not in _imported_modules(path)


# Which areas an area's rules, queries, events and models may use: a layering, so no
# two areas depend on each other (faces are free to combine areas).
AREA_DEPENDENCIES: dict[str, set[str]] = {
    "accounts": set(),
    "media": {"accounts"},
    "social": {"accounts"},
    "articles": {"accounts", "social", "media"},
    "comments": {"accounts", "social", "articles"},
    "auth": {"accounts"},
    "webhooks": {"accounts", "social", "media", "articles", "comments"},
    "exports": {"accounts"},
    "stats": {"accounts", "articles", "newsletter"},
}
CORE_MODULES = ("rules.py", "queries.py", "events.py", "models.py", "permissions.py", "search.py")


def _runtime_imports(path: Path) -> set[str]:
    """Imported modules, leaving out those under ``if TYPE_CHECKING:`` (types only)."""
    tree = ast.parse(path.read_text("utf-8"))
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for child in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for area in AREA_DEPENDENCIES
        for name in CORE_MODULES
        for p in PACKAGE.glob(f"{area}/{name}")
    ),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_areas_depend_on_each_other_in_layers_only(path: Path) -> None:
    area = path.parent.name
    allowed = AREA_DEPENDENCIES[area] | {area}
    used = {
        name.split(".")[1]
        for name in _runtime_imports(path)
        if name.startswith("folio.") and name.split(".")[1] in AREA_DEPENDENCIES
    }
    assert used <= allowed, f"{area}/{path.name} uses {sorted(used - allowed)}"
