"""Both ledger backends implement the one contract, `Ledger.open` picks the backend by target, and the two backends
stay apart (neither imports the other; only `backend.py` knows both)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest

from bot.ledger import Ledger, LedgerContract
from bot.ledger.contract import SharedRunnersContract
from bot.ledger.postgres import PostgresLedger
from bot.ledger.store import SqliteLedger
from bot.ledger.target import PostgresTarget

LEDGER_DIR = Path(__file__).resolve().parents[2] / "bot" / "ledger"


def contract_methods(contract: type) -> dict[str, Any]:
    """The methods a contract names (its own and its parents' protocol members)."""
    found: dict[str, Any] = {}
    for klass in reversed(contract.__mro__):
        if klass in (object,) or not getattr(klass, "_is_protocol", False) or klass.__module__ == "typing":
            continue
        found.update(
            {
                name: value
                for name, value in vars(klass).items()
                if inspect.isfunction(value) and (not name.startswith("_") or name in ("__enter__", "__exit__"))
            }
        )
    return found


@pytest.mark.parametrize(
    ("backend", "contract"),
    [(SqliteLedger, LedgerContract), (PostgresLedger, SharedRunnersContract)],
    ids=["sqlite", "postgres"],
)
def test_backend_should_implement_every_contract_method_with_its_parameters(backend: type, contract: type) -> None:
    methods = contract_methods(contract)
    assert "mark_many_sent" in methods and "recover_interrupted" in methods
    for name, declared in methods.items():
        implemented = getattr(backend, name, None)
        assert implemented is not None, f"{backend.__name__} lacks {name}"
        wanted = list(inspect.signature(declared).parameters)
        assert list(inspect.signature(implemented).parameters) == wanted, f"{backend.__name__}.{name}"


def test_ledger_open_should_choose_the_backend_by_target(ledger_target: Path | PostgresTarget) -> None:
    with Ledger.open(ledger_target, actor="x", run_id="x") as led:
        assert isinstance(led, Ledger)
        assert type(led) is (PostgresLedger if isinstance(ledger_target, PostgresTarget) else SqliteLedger)
        assert led.shared_runners == isinstance(ledger_target, PostgresTarget)


def imports_of(module: Path) -> set[str]:
    """The `bot.ledger` modules a file imports, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n.removeprefix("bot.ledger.") for n in names if n.startswith("bot.ledger.")}


def test_ledger_modules_should_import_no_circle() -> None:
    graph = {path.stem: imports_of(path) for path in LEDGER_DIR.glob("*.py") if path.stem != "__init__"}
    assert "postgres" not in graph["store"] and "store" not in graph["postgres"]
    assert {m for m, deps in graph.items() if "backend" in deps} == set(), "only the package itself picks a backend"

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            dep == goal or (dep not in seen and reaches(dep, goal, seen | {dep})) for dep in graph.get(start, ())
        )

    circles = sorted(m for m in graph if reaches(m, m, {m}))
    assert circles == []
