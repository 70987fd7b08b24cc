"""The drawing of the imports of `bot/` and `flows/` (issue 28 item 6): no module imports itself back through
others, and no folder ("room") of `bot/` imports a room that imports it. Every import counts, also one inside a
function; only imports for type checking (`if TYPE_CHECKING:`) do not, since they never run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def modules(root: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package) for every .py file under bot/ and flows/."""
    found = {}
    for top in ("bot", "flows"):
        for path in (root / top).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    return skipped


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project's modules it imports (a `from package import name` names the submodule if any)."""
    known = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, (path, package) in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                graph[name].update(alias.name for alias in node.names if alias.name in known)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if package else name.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join([*here, *([base] if base else [])])
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    graph[name].add(target if target in known else base)
        graph[name] = {target for target in graph[name] if target in known and target != name}
    return graph


def room(module: str) -> str:
    """The folder a module lives in: `bot.ledger.store` -> `bot.ledger`; a top-level module is its own room."""
    parts = module.split(".")
    return parts[0] if parts[0] == "flows" else ".".join(parts[:2])


def rooms(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The import graph between rooms."""
    between: dict[str, set[str]] = {}
    for module, targets in graph.items():
        between.setdefault(room(module), set())
        for target in targets:
            if room(target) != room(module):
                between[room(module)].add(room(target))
                between.setdefault(room(target), set())
    return between


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one node (Tarjan): each is at least one import circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_circles_should_find_a_two_module_circle_and_a_room_circle():
    graph = {"bot.a.x": {"bot.b.y"}, "bot.b.y": {"bot.a.x"}, "bot.a.z": set(), "bot.c.w": {"bot.a.z"}}
    assert circles(graph) == [{"bot.a.x", "bot.b.y"}]
    assert circles(rooms({"bot.a.x": {"bot.b.y"}, "bot.b.y": {"bot.a.z"}, "bot.a.z": set()})) == [{"bot.a", "bot.b"}]


def test_import_graph_should_see_imports_inside_functions_but_not_type_checking_ones(tmp_path):
    (tmp_path / "bot" / "p").mkdir(parents=True)
    (tmp_path / "flows").mkdir()
    (tmp_path / "bot" / "__init__.py").write_text("")
    (tmp_path / "bot" / "p" / "__init__.py").write_text("")
    (tmp_path / "bot" / "p" / "a.py").write_text("def f():\n    from bot.p import b\n")
    (tmp_path / "bot" / "p" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.p.a\n"
    )
    graph = import_graph(tmp_path)
    assert graph["bot.p.a"] == {"bot.p.b"} and graph["bot.p.b"] == set()


def test_bot_and_flows_should_have_no_import_circle_between_modules():
    found = circles(import_graph(PROJECT))
    assert found == [], "modules that import each other (through others): " + "; ".join(map(str, found))


def test_bot_rooms_should_have_no_import_circle():
    assert circles(rooms(import_graph(PROJECT))) == []


@pytest.mark.parametrize(
    ("lower", "upper"), [("bot.app", "bot.commands"), ("bot.app", "bot.ui"), ("bot.run", "bot.app")]
)
def test_lower_rooms_should_not_import_the_interfaces_above_them(lower, upper):
    imports = rooms(import_graph(PROJECT))
    assert upper not in imports.get(lower, set())


def test_command_line_should_not_import_the_window_until_it_is_asked_for():
    code = (
        "import sys, bot.commands.cli; print(sorted(m for m in sys.modules if m.startswith('bot.ui') or m == 'flask'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=True)
    assert result.stdout.strip() == "[]"
