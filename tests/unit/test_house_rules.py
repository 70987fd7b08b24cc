"""House rules a reviewer would otherwise have to check by eye, read from the source itself."""

from __future__ import annotations

import ast
import re
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


def _error_classes() -> dict[str, type]:
    """Every subclass of UtskickError the product defines, by name (all of `bot` imported)."""
    import importlib
    import pkgutil

    import bot
    from bot.errors import UtskickError

    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: dict[str, type] = {}
    todo = [UtskickError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo += cls.__subclasses__()
    return found


def _drawn_tree(docstring: str) -> dict[str, tuple[str | None, str]]:
    """The tree in a docstring: name -> (parent, the rest of its line)."""
    tree: dict[str, tuple[str | None, str]] = {}
    path: list[str] = []
    for line in docstring.splitlines():
        if path and not line.strip():
            break  # the tree ends at the first blank line after its root
        match = re.match(r"^(?P<lead> {4}[ │├└─]*)(?P<name>_?[A-Z]\w+)\b(?P<rest>.*)$", line)
        if not match or (path == [] and match["name"] != "UtskickError"):
            continue
        depth = len(match["lead"]) // 4 - 1
        path[depth:] = [match["name"]]
        tree[match["name"]] = (path[depth - 1] if depth else None, match["rest"])
    return tree


def test_error_tree_in_bot_errors_should_draw_every_error_class_where_it_lives() -> None:
    """Every UtskickError subclass is in the docstring under its real parent; one defined elsewhere names its file."""
    import bot.errors

    drawn = _drawn_tree(bot.errors.__doc__ or "")
    classes = _error_classes()
    wrong = []
    for name, cls in classes.items():
        parent = None if name == "UtskickError" else cls.__bases__[0].__name__
        home = cls.__module__.replace(".", "/") + ".py"
        if name not in drawn:
            wrong.append(f"{name} ({home}) is not drawn")
        elif drawn[name][0] != parent:
            wrong.append(f"{name} is drawn under {drawn[name][0]}, its parent is {parent}")
        elif cls.__module__ != "bot.errors" and home not in drawn[name][1]:
            wrong.append(f"{name}'s line does not say it lives in {home}")
    wrong += [f"{name} is drawn but does not exist" for name in drawn if name not in classes]
    assert wrong == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(*folders: str) -> dict[str, set[str]]:
    """Which product module imports which (any import, also inside functions or `if TYPE_CHECKING`)."""
    modules = {_module_name(p): p for p in _modules(*folders)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {f"{m}.{n}" if f"{m}.{n}" in modules else m for m, n in _imports(path)}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _two_module_circles(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted((a, b))) for a, targets in graph.items() for b in targets if a in graph.get(b, set())}


def test_import_graph_should_find_a_two_module_circle() -> None:
    """The circle finder can fail: two modules that import each other are a circle."""
    assert _two_module_circles({"bot.a": {"bot.b"}, "bot.b": {"bot.a", "bot.c"}, "bot.c": set()}) == {
        ("bot.a", "bot.b")
    }


def test_doctor_and_its_report_should_not_import_each_other() -> None:
    """The doctor walks and fills the report; the report module holds the report's data and writes it."""
    circles = _two_module_circles(_import_graph("bot", "flows"))
    assert [c for c in circles if any(m.startswith("bot.run.doctor") for m in c)] == []


def _borrowed(path: Path) -> list[str]:
    """What a test module takes from a conftest, or takes by a private name from another test module."""
    return [
        f"{module} import {name}"
        for module, name in _imports(path)
        if module.startswith("tests")
        and (
            module.split(".")[-1] == "conftest" or (name.startswith("_") and module.split(".")[-1].startswith("test_"))
        )
    ]


@pytest.mark.parametrize("path", _modules("tests"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_test_modules_should_share_helpers_through_tests_helpers(path: Path) -> None:
    """Shared helpers live in tests/helpers.py (or a helpers module); fixtures reach tests through conftest by name."""
    assert _borrowed(path) == []


def test_borrow_finder_should_see_a_conftest_import_and_a_private_name(tmp_path: Path) -> None:
    """The rule above can fail: both kinds of borrowing are found, a public helper is not."""
    module = tmp_path / "test_x.py"
    module.write_text(
        "from tests.e2e." + "conftest import QA\n"
        "from tests.unit.test_y import _campaign, FACTS\n"
        "from tests.helpers import QA\n",
        encoding="utf-8",
    )
    assert _borrowed(module) == ["tests.e2e.conftest import QA", "tests.unit.test_y import _campaign"]
