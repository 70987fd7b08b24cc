"""House rules a reviewer would otherwise have to check by eye, read from the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (PROJECT / folder).rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, str]]:
    """Every (module, name) a file imports; `import a.b` gives ("a.b", "")."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            found += [(node.module or "", alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def _uses_expect(path: Path) -> list[str]:
    hits = [f"{m} import {n}" for m, n in _imports(path) if m.startswith("playwright") and n == "expect"]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits += [f"line {n.lineno}: .expect" for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "expect"]
    return hits


@pytest.mark.parametrize("path", _modules("bot", "flows"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_production_code_should_wait_with_locator_waits_not_expect(path: Path) -> None:
    """Playwright's `expect` is a test assertion; the product waits with locator waits (wait_for, wait_for_function)."""
    assert _uses_expect(path) == []


def test_expect_finder_should_see_an_expect_import(tmp_path: Path) -> None:
    """The rule above can fail: a module importing `expect` is found."""
    module = tmp_path / "waits.py"
    module.write_text("from playwright.sync_api import Page, expect\n", encoding="utf-8")
    assert _uses_expect(module) == ["playwright.sync_api import expect"]
