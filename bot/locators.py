"""Turn entries of a selectors TOML file (data, in `selectors/`) into Playwright locators.

An entry is an inline table with exactly one way to find the element, in order of preference:
`role` (+ `name`), `label`, `placeholder`, `test_id`, `text`, or `css` as a last resort. Optional keys:
`exact` (default true), `within` (the key of an entry to search inside), `has_text` (keep only elements
containing this text), `kind` (how to act on it: `select`, `listbox`, `file_input`, `file_chooser`),
`option` (for a listbox: the entry of one option), `optional` (the step may be absent in a given tool).
String values may hold `{placeholders}` that the flow fills in (e.g. `name = "Infoga text: {text_name}"`).
Tables of regular expressions (like `[check_results]`) describe what texts mean rather than where things are.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

from bot.errors import ConfigError

FINDERS = ("role", "label", "placeholder", "test_id", "text", "css")


def _deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not _is_entry(value):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _is_entry(node: Any) -> bool:
    return isinstance(node, dict) and any(f in node for f in FINDERS)


@dataclass(frozen=True)
class Selectors:
    """The selector data for one target UI: the defaults merged with an optional site override."""

    data: dict[str, Any]
    sha256: str
    source: str

    @classmethod
    def load(cls, path: Path, override: Path | None = None) -> Selectors:
        """Read the selectors file and deep-merge the override file over it."""
        raw = _read_toml(path)
        digest = hashlib.sha256(Path(path).read_bytes())
        source = str(path)
        if override:
            raw = _deep_merge(raw, _read_toml(override))
            digest.update(Path(override).read_bytes())
            source += f" + {override}"
        selectors = cls(raw, digest.hexdigest(), source)
        selectors.validate()
        return selectors

    def validate(self) -> None:
        """Check that every entry names exactly one finder; raise ConfigError naming the bad key."""
        for key, node in self._entries(self.data, ""):
            found = [f for f in FINDERS if f in node]
            if len(found) != 1:
                raise ConfigError(
                    f"Selektorn '{key}' ska ha exakt ett av {', '.join(FINDERS)}, har {found or 'inget'}."
                )
            if "within" in node and not _is_entry(self._lookup(node["within"])):
                raise ConfigError(f"Selektorn '{key}' pekar på within='{node['within']}', som inte finns.")

    def _entries(self, node: dict, prefix: str):
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if _is_entry(value):
                yield dotted, value
            elif isinstance(value, dict):
                yield from self._entries(value, dotted + ".")

    def _lookup(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        """True when the file defines an element entry under `key`."""
        return _is_entry(self._lookup(key))

    def entry(self, key: str) -> dict[str, Any]:
        """The raw entry for `key`; ConfigError when it is missing."""
        node = self._lookup(key)
        if not _is_entry(node):
            raise ConfigError(f"Selektorfilen saknar posten '{key}' ({self.source}).")
        return node

    def value(self, key: str, default: Any = None) -> Any:
        """A plain (non-element) value such as `pnr.display` or a pattern table."""
        node = self._lookup(key)
        return default if node is None else node

    def patterns(self, key: str) -> dict[str, re.Pattern[str]]:
        """A table of name -> regular expression (e.g. check results), compiled."""
        table = self._lookup(key)
        if not isinstance(table, dict) or not table:
            raise ConfigError(f"Selektorfilen saknar tabellen '{key}' ({self.source}).")
        try:
            return {name: re.compile(_as_regex(v), re.IGNORECASE) for name, v in table.items()}
        except re.error as e:
            raise ConfigError(f"Selektorfilen: ogiltigt mönster i '{key}': {e}") from e

    def locator(self, scope: Page | Locator, key: str, **fmt: str) -> Locator:
        """Build the Playwright locator for `key`, filling `{placeholders}` from `fmt`."""
        node = self.entry(key)
        if "within" in node:
            scope = self.locator(scope, node["within"], **fmt)
        exact = node.get("exact", True)

        def f(name: str) -> str:
            return str(node[name]).format(**fmt)

        if "role" in node:
            loc = (
                scope.get_by_role(node["role"], name=f("name"), exact=exact)
                if "name" in node
                else (scope.get_by_role(node["role"]))
            )
        elif "label" in node:
            loc = scope.get_by_label(f("label"), exact=exact)
        elif "placeholder" in node:
            loc = scope.get_by_placeholder(f("placeholder"), exact=exact)
        elif "test_id" in node:
            loc = scope.get_by_test_id(f("test_id"))
        elif "text" in node:
            loc = scope.get_by_text(f("text"), exact=exact)
        else:
            loc = scope.locator(f("css"))
        if "has_text" in node:
            loc = loc.filter(has_text=f("has_text"))
        return loc

    def describe(self, key: str) -> str:
        """A short human description of the entry, for error messages (a step that is no entry: its name)."""
        node = self._lookup(key)
        if not _is_entry(node):
            return key
        finder = next(f for f in FINDERS if f in node)
        text = f"{finder}={node[finder]!r}"
        if "name" in node:
            text += f" name={node['name']!r}"
        return f"{key} ({text})"


def _as_regex(value: str | list[str]) -> str:
    return "|".join(f"(?:{v})" for v in value) if isinstance(value, list) else value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"Selektorfilen {path} finns inte.") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"Selektorfilen {path} är inte giltig TOML: {e}") from e
