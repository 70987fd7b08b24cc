"""Read the seed file (`seed/seed.toml`) into records."""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mock_personalverktyg.citizens import load_numbers
from mock_personalverktyg.models import Template, Unit, User

SEED_DIR = Path(__file__).resolve().parent / "seed"
DEFAULT_SEED = SEED_DIR / "seed.toml"
NUMBERS_FILE = SEED_DIR / "testpersonnummer.txt"

_TEMPLATE_KEYS = frozenset({"name", "kind", "units", "active", "instruction", "texts", "origin"})
# The keys each list of records may hold; anything else in a seed file is refused.
RECORD_KEYS: dict[str, frozenset[str]] = {
    "units": frozenset({"id", "name"}),
    "users": frozenset({"hsa_id", "name", "role", "units", "signature", "password"}),
    "templates": _TEMPLATE_KEYS,
    "national_templates": _TEMPLATE_KEYS - {"units"},
    "citizen_arenden": frozenset({"unit", "pnr_index", "subject", "days_ago"}),
}
TEXT_KEYS = frozenset({"name", "text"})
TOP_KEYS = frozenset({"password", *RECORD_KEYS})


class SeedError(ValueError):
    """The seed file holds a key or table the mock does not know (the message names file, line and key)."""


@dataclass(frozen=True)
class Seed:
    """Everything `POST /__qa__/reset` goes back to."""

    units: dict[str, Unit]
    users: dict[str, User]
    signatures: dict[str, str]
    templates: tuple[Template, ...]
    national: tuple[Template, ...]
    citizen_arenden: tuple[dict, ...]
    numbers: tuple[str, ...]


def fill_unit(text: str, unit: Unit | None) -> str:
    """Put the unit's name where a template text says `{unit}` (national templates keep it until copied)."""
    return text.replace("{unit}", unit.name) if unit else text


def _template(raw: dict, tid: str, unit: Unit | None, origin: str = "Lokal") -> Template:
    return Template(
        id=tid,
        unit=unit.id if unit else "",
        name=raw["name"],
        kind=raw.get("kind", "information"),
        texts=[(t["name"], fill_unit(t["text"], unit)) for t in raw.get("texts", [])],
        instruction=raw.get("instruction", ""),
        active=bool(raw.get("active", False)),
        origin=raw.get("origin", origin),
    )


@functools.cache
def _numbers(path: Path) -> tuple[str, ...]:
    return load_numbers(path)  # read once per process: 41,493 lines, shared read-only by every app


def load_seed(path: Path | str | None = None) -> Seed:
    """Parse a seed TOML file; the personnummer list always comes from the project's copy."""
    seed_path = Path(path or DEFAULT_SEED)
    text = seed_path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    check_seed_keys(data, text, seed_path.name)
    units = {u["id"]: Unit(u["id"], u["name"]) for u in data["units"]}
    password = data.get("password", "utskick-demo")
    users = {
        u["hsa_id"]: User(u["hsa_id"], u["name"], u["role"], tuple(u["units"]), u.get("password", password))
        for u in data["users"]
    }
    signatures = {u["hsa_id"]: u.get("signature", u["name"]) for u in data["users"]}
    templates = []
    for index, raw in enumerate(data.get("templates", []), start=1):
        for unit_id in raw["units"]:
            templates.append(_template(raw, f"{unit_id}-m{index}", units[unit_id]))
    national = tuple(
        _template(raw, f"n{index}", None, origin="Nationell")
        for index, raw in enumerate(data.get("national_templates", []), start=1)
    )
    return Seed(
        units=units,
        users=users,
        signatures=signatures,
        templates=tuple(templates),
        national=national,
        citizen_arenden=tuple(data.get("citizen_arenden", [])),
        numbers=_numbers(NUMBERS_FILE),
    )


def check_seed_keys(data: dict, text: str, label: str) -> None:
    """Raise SeedError listing every unknown key: file, line, where, and the closest known key."""
    problems = []
    for key, value in data.items():
        if key not in TOP_KEYS:
            problems.append(_unknown(text, label, key, key, TOP_KEYS, after=None))
            continue
        for index, record in enumerate(value if key in RECORD_KEYS else [], start=1):
            header = _nth_header(text, key, index)
            for name, field_value in record.items():
                if name not in RECORD_KEYS[key]:
                    problems.append(_unknown(text, label, f"{key}[{index}].{name}", name, RECORD_KEYS[key], header))
                elif name == "texts":
                    for n, item in enumerate(field_value, start=1):
                        for bad in set(item) - TEXT_KEYS:
                            where = f"{key}[{index}].texts[{n}].{bad}"
                            problems.append(_unknown(text, label, where, bad, TEXT_KEYS, header))
    if problems:
        raise SeedError("\n".join(problems))


def _nth_header(text: str, table: str, index: int) -> int | None:
    """The line number of the `index`-th `[[table]]` header."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]", line):
            seen += 1
            if seen == index:
                return number
    return None


def _unknown(text: str, label: str, where: str, name: str, known: frozenset[str], after: int | None) -> str:
    lines = text.splitlines()
    if after is None:  # a top-level key: a table header, or `key =` before the first table
        pattern = re.compile(rf"^\s*(\[\[?\s*{re.escape(name)}\s*\]|{re.escape(name)}\s*=)")
    else:
        pattern = re.compile(rf"(^|[{{,\s]){re.escape(name)}\s*=")
    line = next((n for n in range(after or 1, len(lines) + 1) if pattern.search(lines[n - 1])), None)
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f" – menade du '{close[0]}'?" if close else ""
    return f"{label}{f', rad {line}' if line else ''}: okänd nyckel '{where}'{hint}"
