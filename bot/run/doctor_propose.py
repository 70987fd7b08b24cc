"""`utskick doctor --propose FILE`: the override the doctor could decide from what it saw, as a selectors file.

An element is decided when exactly one element of a compatible role with the expected name (or a name that begins
with it) is on the page and the entry written for it finds that element and nothing else; records when the column
headers were seen. Each entry carries a comment saying what was seen; everything else is listed at the end of the
file, as comments, for a person to decide.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.locators import Selectors

HEADER = (
    "# Förslag från selektordoktorn (utskick doctor --propose): det doktorn kunde avgöra av vad den såg.\n"
    "# Granska och ange filen som staff_tool.selectors_override i kampanjfilen.\n"
)


@dataclass
class Proposal:
    """One entry the doctor decided, with what it saw."""

    key: str
    entry: dict[str, Any]
    seen: str


@dataclass
class Proposals:
    """What the doctor decided, and what it could not, in the order it met them."""

    decided: dict[str, Proposal] = field(default_factory=dict)
    undecided: dict[str, str] = field(default_factory=dict)  # key -> why (Swedish)

    def decide(self, key: str, entry: dict[str, Any], seen: str) -> None:
        """Record a decided entry (a later decision for the same key replaces it)."""
        self.decided[key] = Proposal(key, entry, seen)
        self.undecided.pop(key, None)

    def leave(self, key: str, why: str) -> None:
        """Record a key the doctor could not decide, unless it already decided it."""
        if key not in self.decided:
            self.undecided[key] = why


def patched(selectors: Selectors, key: str, entry: dict[str, Any]) -> Selectors:
    """The selectors with `key` replaced by `entry` (in memory: the walk goes on with what it decided)."""
    data = copy.deepcopy(selectors.data)
    section, name = key.rsplit(".", 1)
    node = data
    for part in section.split("."):
        node = node.setdefault(part, {})
    node[name] = entry
    return Selectors(data, selectors.sha256, selectors.source)


def render(proposals: Proposals) -> str:
    """The proposal as a selectors override (TOML): decided entries by section, then the undecided as comments."""
    lines = [HEADER]
    sections: dict[str, list[Proposal]] = {}
    for proposal in proposals.decided.values():
        sections.setdefault(proposal.key.rsplit(".", 1)[0], []).append(proposal)
    tables: list[Proposal] = []
    for section, entries in sections.items():
        plain = [p for p in entries if not _is_table(p.entry)]
        tables += [p for p in entries if _is_table(p.entry)]
        if not plain:
            continue
        lines.append(f"[{section}]")
        for p in plain:
            lines.append(f"# {p.seen}")
            lines.append(f"{p.key.rsplit('.', 1)[1]} = {toml_value(p.entry)}")
        lines.append("")
    for p in tables:
        lines.append(f"[{p.key}]")
        lines.append(f"# {p.seen}")
        lines += [f"{name} = {toml_value(value)}" for name, value in p.entry.items()]
        lines.append("")
    if proposals.undecided:
        lines.append("# Kunde inte avgöras (en person behöver titta):")
        lines += [f"#   {key}: {why}" for key, why in proposals.undecided.items()]
    return "\n".join(lines).rstrip() + "\n"


def refuse_existing(path: Path, force: bool) -> None:
    """A Swedish input error when `path` exists and --force was not given (checked before the walk starts)."""
    if path.exists() and not force:
        raise ConfigError(f"Filen {path} finns redan: ange --force för att skriva över den.")


def write_proposal(path: Path, proposals: Proposals, force: bool) -> None:
    """Write the proposal to `path` (0600); an existing file only with `force`."""
    refuse_existing(path, force)
    path.write_text(render(proposals), encoding="utf-8")
    os.chmod(path, 0o600)


def _is_table(entry: dict[str, Any]) -> bool:
    """A records or readiness entry is written as a table of its own, an element as an inline table."""
    return isinstance(entry, dict) and "records" in entry


def toml_value(value: Any) -> str:
    """A value written as TOML (strings as JSON strings, which TOML reads alike)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_key(name: str) -> str:
    """A key written as TOML: bare when it may be, else quoted."""
    return name if name.replace("_", "").replace("-", "").isalnum() and name.isascii() else json.dumps(name)
