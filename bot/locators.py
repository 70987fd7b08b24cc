"""Turn the entries of a selectors file (data, in `selectors/`, schema in `bot/selectors_schema.py`) into
Playwright locators, records specifications and readiness conditions.

An element entry names exactly one way to find it: `role` (+ `name`), `label`, `placeholder`, `test_id`, `text`,
or `css` as a last resort; `within` scopes it inside another entry (e.g. a dialog). A records entry says how to read
rows of facts from an element (by column header, or by a pattern with named groups); a readiness entry says what
tells the bot the tool is ready for the next input. `key = false` switches an entry off. String values may hold
`{placeholders}` that the flow fills in (e.g. `name = "Infoga text: {text_name}"`).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import FrameLocator, Locator, Page

from bot import selectors_schema as schema
from bot.errors import ConfigError, SelectorError
from bot.strict_toml import syntax_error


@dataclass(frozen=True)
class RecordsSpec:
    """How to read one records entry: the element holding them; column headers, a pattern, or neither; and the
    fields read from the row's (or an element inside it's) accessible name, description, title, value or an
    attribute (`sources`)."""

    key: str
    container: str
    row: str | None
    cell: str | None
    header: str | None
    fields: dict[str, str]
    pattern: re.Pattern[str] | None
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def script_args(self) -> dict[str, Any]:
        """The CSS and field sources the in-page reader needs."""
        sources = {
            name: {
                "from": spec.get("from", "text"),
                "attribute": spec.get("attribute"),
                "inside": spec.get("inside", {}).get("css"),
            }
            for name, spec in self.sources.items()
        }
        return {"row": self.row, "cell": self.cell, "header": self.header, "sources": sources}

    def parse(self, raw: dict[str, Any]) -> list[dict[str, str]]:
        """Turn what the in-page reader returned into one {field: text} per record."""
        extra = [{k: " ".join((v or "").split()) for k, v in read.items()} for read in raw.get("sources", [])]
        extra += [{}] * (len(raw["rows"]) - len(extra))
        if self.pattern is not None:
            records = []
            for text, own in zip(raw["rows"], extra, strict=True):
                match = self.pattern.search(" ".join(text.split()))
                if match:
                    records.append({k: (v or "").strip() for k, v in match.groupdict().items()} | own)
            return records
        if self.header is None:
            return extra  # every field from the row's elements or attributes
        headers = [" ".join(h.split()).casefold() for h in raw["headers"]]
        if not headers and not raw["rows"]:
            return []
        columns = {}
        for name, header in self.fields.items():
            wanted = " ".join(header.split()).casefold()
            if wanted not in headers:
                shown = ", ".join(f"'{h}'" for h in raw["headers"]) or "inga"
                raise SelectorError(self.key, f"Kolumnen '{header}' finns inte (kolumnerna är {shown}).")
            columns[name] = headers.index(wanted)
        return [
            {name: (cells[i] if i < len(cells) else "").strip() for name, i in columns.items()} | own
            for cells, own in zip(raw["rows"], extra, strict=True)
        ]


@dataclass(frozen=True)
class Selectors:
    """The selector data for one target UI: the defaults merged with an optional site override."""

    data: dict[str, Any]
    sha256: str
    source: str

    @classmethod
    def load(cls, path: Path, override: Path | None = None) -> Selectors:
        """Read the selectors file, check it, deep-merge the checked override over it, and check the result."""
        base_source, raw = _read(path)
        schema.check_file(base_source, raw, override=False)
        digest = hashlib.sha256(Path(path).read_bytes())
        origins = {key: base_source for key in _entry_keys(raw)}
        source = str(path)
        if override:
            override_source, extra = _read(override)
            schema.check_file(override_source, extra, override=True)
            raw = _without_inherited_options(_deep_merge(raw, extra, ""), extra)
            origins.update({key: override_source for key in _entry_keys(extra)})
            digest.update(Path(override).read_bytes())
            source += f" + {override}"
        selectors = cls(raw, digest.hexdigest(), source)
        selectors._check_merged(origins, base_source)
        return selectors

    def _check_merged(self, origins: dict[str, schema.SourceFile], base: schema.SourceFile) -> None:
        for key, kind in schema.SCHEMA.items():
            node = self._lookup(key)
            where = origins.get(key, base)
            if node is None and kind not in (schema.VALUE, schema.TEXTS) and key not in schema.MAY_BE_OFF:
                raise where.error(key, "saknas, och utskick behöver det.")
        used: set[str] = set()
        for key in (*schema.SCHEMA, *self._own_elements()):
            node = self._lookup(key)
            where = origins.get(key, base)
            for attribute, target in schema.references(key, node):
                used.add(target)
                self._check_reference(where, key, attribute, target)
        for key in self._own_elements():
            if key not in used and key.removesuffix("_option") not in used:
                raise origins.get(key, base).error(
                    key, "används inte: inget steg i [actions], within, beredskap eller poster pekar på det."
                )
        for prefix in ("check_results", "check_results_pending", "page_states"):
            if not isinstance(self._lookup(prefix), dict) or not self._lookup(prefix):
                raise base.error(prefix, f"tabellen [{prefix}] saknas.")

    def _check_reference(self, where: schema.SourceFile, key: str, attribute: str, target: str) -> None:
        """`target` must be an entry of the kind `attribute` points at; only an action's step may name one that is
        switched off (the step is skipped)."""
        wanted = schema.READINESS if attribute == "wait" else schema.ELEMENT
        if schema.kind_of(target) != wanted:
            known = _elements() if wanted == schema.ELEMENT else _readiness()
            what = "inget element" if wanted == schema.ELEMENT else "ingen beredskap"
            raise where.error(key, f"{attribute} = '{target}' är {what}{schema.suggest(target, known)}")
        node = self._lookup(target)
        if node is None and target.startswith("elements."):
            hint = schema.suggest(target, self._own_elements())
            raise where.error(key, f"{attribute} = '{target}' finns inte under [elements]{hint}")
        if key.startswith("actions."):
            if attribute == "set_files" and isinstance(node, dict) and node.get("kind") not in schema.FILE_KINDS:
                raise where.error(key, f'set_files = \'{target}\' behöver kind = "file_input" eller "file_chooser".')
            if (
                attribute == "choose"
                and isinstance(node, dict)
                and node.get("kind", "select") not in schema.CHOICE_KINDS
            ):
                kinds = ", ".join(schema.CHOICE_KINDS)
                raise where.error(key, f"choose = '{target}' behöver kind = något av {kinds}.")
            return
        if not isinstance(node, dict):
            raise where.error(key, f"{attribute} = '{target}' pekar på ett avstängt element.")

    def _own_elements(self) -> list[str]:
        """The site's own elements, as keys: elements.<name>."""
        table = self._lookup("elements")
        return [f"elements.{name}" for name in table] if isinstance(table, dict) else []

    def _lookup(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        """True when the file defines `key` (an element, records or readiness) and does not switch it off."""
        return isinstance(self._lookup(key), dict) and schema.kind_of(key) in (
            schema.ELEMENT,
            schema.RECORDS,
            schema.READINESS,
        )

    def is_optional(self, key: str) -> bool:
        """True when the entry is switched off or marked `optional`: the tool may not show it."""
        node = self._lookup(key)
        return not isinstance(node, dict) or bool(node.get("optional", False))

    def entry(self, key: str) -> dict[str, Any]:
        """The raw element entry for `key`; ConfigError when it is missing or switched off."""
        node = self._lookup(key)
        if schema.kind_of(key) != schema.ELEMENT or not isinstance(node, dict):
            state = "har stängt av" if node is False else "saknar"
            raise ConfigError(f"Selektorfilen {state} posten '{key}' ({self.source}).")
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
        return {
            name: re.compile(_as_regex(v), re.IGNORECASE)
            for name, v in table.items()
            if schema.SCHEMA.get(f"{key}.{name}") != schema.TEXTS
        }

    def check_results(self) -> list[tuple[str, re.Pattern[str]]]:
        """What the recipient check's texts mean, in the order they are tried: the site's own texts
        (`[[check_results.texts]]`, file order) before the named categories of `[check_results]`."""
        texts = self._lookup("check_results.texts") or []
        own = [(t["reason"], re.compile(_as_regex(t["pattern"]), re.IGNORECASE)) for t in texts]
        return own + list(self.patterns("check_results").items())

    def records(self, key: str) -> RecordsSpec:
        """How to read the records entry `key`."""
        node = self._lookup(key)
        if schema.SCHEMA.get(key) != schema.RECORDS or not isinstance(node, dict):
            raise ConfigError(f"Selektorposten '{key}' är inga poster eller är avstängd ({self.source}).")
        pattern = re.compile(node["pattern"]) if "pattern" in node else None
        fields = node.get("fields", {})
        columns = {name: header for name, header in fields.items() if isinstance(header, str)}
        sources = {name: spec for name, spec in fields.items() if isinstance(spec, dict)}
        return RecordsSpec(
            key, node["records"], node.get("row"), node.get("cell"), node.get("header"), columns, pattern, sources
        )

    def action(self, name: str) -> list[dict[str, Any]]:
        """The steps of the action `name` (the main file's default, or the override's, which replaces it whole)."""
        if name not in schema.ACTIONS:
            raise ConfigError(f"Selektorfilen har ingen åtgärd '{name}' ({self.source}).")
        steps = self._lookup(f"actions.{name}")
        if not isinstance(steps, list):
            raise ConfigError(f"Selektorfilen saknar [actions] {name} ({self.source}).")
        return steps

    def option_locator(self, scope: Page | Locator | FrameLocator, key: str, option: str, **fmt: str) -> Locator:
        """The option `option` of the choice element `key`: the entry `<key>_option` when the data has one, else the
        default for the element's kind (radio: a radio inside the element; listbox and combobox: an option, menu:
        a menu item, on the page or in the element's frame). An empty `option` finds every option."""
        option_key = f"{key}_option"
        if self.has(option_key):
            # every option: a name made of {option} alone would look for an option named "" (with exact = true)
            every = not option and str(self.entry(option_key).get("name", "")).strip() == "{option}"
            return self.locator(scope, option_key, **fmt, option=option, any_name=every)
        kind = self.entry(key).get("kind", "select")
        if kind == "select":
            options = self.locator(scope, key, **fmt).locator("option")
            return options.filter(has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")) if option else options
        role = _DEFAULT_OPTION_ROLES.get(kind)
        if role is None:
            raise ConfigError(
                f"Selektorposten '{key}' är inget val (kind) och har ingen '{option_key}' ({self.source})."
            )
        # a listbox's, combobox's or menu's options may be drawn anywhere on the page the element lives in
        within = self.locator(scope, key, **fmt) if kind == "radio" else in_frame(scope, self.frame_of(key))
        return within.get_by_role(role, name=option, exact=True) if option else within.get_by_role(role)

    def readiness(self, key: str) -> dict[str, list[str]]:
        """The readiness conditions of `key`: condition -> element keys; empty when switched off."""
        node = self._lookup(key)
        if not isinstance(node, dict):
            return {}
        return {cond: [v] if isinstance(v, str) else list(v) for cond, v in node.items()}

    def locator(self, scope: Page | Locator | FrameLocator, key: str, *, any_name: bool = False, **fmt: str) -> Locator:
        """Build the Playwright locator for `key`, filling `{placeholders}` from `fmt`; `any_name`: a role entry's
        elements of any name."""
        node = self.entry(key)
        scope = in_frame(scope, self.frame_of(key))
        if "within" in node:
            scope = self.locator(scope, node["within"], **fmt)
        exact = node.get("exact", True)

        def f(name: str) -> str:
            return str(node[name]).format(**fmt)

        if "role" in node:
            loc = (
                scope.get_by_role(node["role"], name=f("name"), exact=exact)
                if "name" in node and not any_name
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
        elif "title" in node:
            loc = scope.get_by_title(f("title"), exact=exact)
        else:
            loc = scope.locator(f("css"))
        if "has_text" in node:
            loc = loc.filter(has_text=f("has_text"))
        return loc

    def frame_of(self, key: str) -> str:
        """CSS of the iframe the element `key` lives in (its own `frame`, else `[page] frame`); "" for the page."""
        node = self.entry(key)
        if "within" in node:
            return self.frame_of(node["within"])
        return str(node.get("frame", self.value("page.frame", "")))

    def describe(self, key: str) -> str:
        """A short human description of the entry, for error messages (a step that is no entry: its name)."""
        node = self._lookup(key)
        if schema.kind_of(key) != schema.ELEMENT or not isinstance(node, dict):
            return key
        finder = next(f for f in schema.FINDERS if f in node)
        text = f"{finder}={node[finder]!r}"
        if "name" in node:
            text += f" name={node['name']!r}"
        return f"{key} ({text})"

    def merged_toml(self) -> str:
        """The merged data as TOML text, one table per screen (for `utskick selectors check`)."""
        return _to_toml(self.data)


def in_frame(scope: Page | Locator | FrameLocator, frame: str) -> Page | Locator | FrameLocator:
    """The scope to search in: a page's iframe given by CSS (e.g. the staff tool inside a portal), else as given."""
    if frame.strip() and isinstance(scope, Page):
        return scope.frame_locator(frame)
    return scope


# The option of a choice element whose data gives no `<key>_option` (a <select>'s are its <option> elements).
_DEFAULT_OPTION_ROLES = {"listbox": "option", "combobox": "option", "radio": "radio", "menu": "menuitem"}


def _elements() -> list[str]:
    return [k for k, kind in schema.SCHEMA.items() if kind == schema.ELEMENT]


def _readiness() -> list[str]:
    return [k for k, kind in schema.SCHEMA.items() if kind == schema.READINESS]


def _entry_keys(data: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        if schema.kind_of(key) is not None:
            keys.append(key)
        elif isinstance(value, dict):
            keys.extend(_entry_keys(value, key + "."))
    return keys


def _without_inherited_options(merged: dict, override: dict) -> dict:
    """An override that gives a choice element anew without its `<key>_option` gets the default options of the
    element's kind, not the main file's (which were written for the main file's kind of element)."""
    for key in _entry_keys(override):
        option = f"{key}_option"
        table, _, name = option.rpartition(".")
        holder, given = _table(merged, table), _table(override, table)
        if option in schema.SCHEMA and name in holder and name not in given:
            del holder[name]  # a copy: _deep_merge copies every table the override writes in
    return merged


def _table(data: dict, table: str) -> dict:
    node: Any = data
    for part in table.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _deep_merge(base: dict, override: dict, prefix: str) -> dict:
    merged = dict(base)
    for name, value in override.items():
        key = f"{prefix}{name}"
        if schema.kind_of(key) is None and isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _deep_merge(merged[name], value, key + ".")
        else:
            merged[name] = value
    return merged


def _as_regex(value: str | list[str]) -> str:
    return "|".join(f"(?:{v})" for v in value) if isinstance(value, list) else value


def _read(path: Path) -> tuple[schema.SourceFile, dict[str, Any]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"Selektorfilen {path} finns inte.") from e
    try:
        return schema.SourceFile(str(path), text), tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"Selektorfilen är inte giltig TOML: {syntax_error(str(path), e)}") from e


def _to_toml(data: dict[str, Any]) -> str:
    lines: list[str] = []

    def table(node: dict[str, Any], name: str) -> None:
        plain = {
            k: v
            for k, v in node.items()
            if not (isinstance(v, dict) and schema.kind_of(f"{name}.{k}".lstrip(".")) is None)
        }
        if name and plain:
            lines.append(f"\n[{name}]")
        for k, v in plain.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        for k, v in node.items():
            if k not in plain:
                table(v, f"{name}.{k}".lstrip("."))

    table(data, "")
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value + "'" if "'" not in value and "\n" not in value else _quoted(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
