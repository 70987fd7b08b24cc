"""Read the seed file (`seed/seed.toml`) into records."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mock_personalverktyg.citizens import load_numbers
from mock_personalverktyg.models import Template, Unit, User

SEED_DIR = Path(__file__).resolve().parent / "seed"
DEFAULT_SEED = SEED_DIR / "seed.toml"
NUMBERS_FILE = SEED_DIR / "testpersonnummer.txt"


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
    data = tomllib.loads(Path(path or DEFAULT_SEED).read_text(encoding="utf-8"))
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
