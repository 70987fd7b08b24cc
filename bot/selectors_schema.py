"""What a selectors file may say (schema version 2): every key the flows use, its kind, and the checks that refuse
anything else with a Swedish error naming the file, the line and the closest known key.

The schema lives here, next to the code that reads it, because it is the contract between the flows and the data:
a key the flows do not know would be ignored, which is never what a site's administrator meant.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.clock import zone_named
from bot.errors import ConfigError
from bot.strict_toml import key_line

VERSION = 2
ELEMENT, RECORDS, READINESS, VALUE, PATTERN = "element", "records", "readiness", "value", "pattern"
ACTION = "action"  # a list of steps: what the bot does for one of its actions (see ACTIONS)
TEXTS = "texts"  # a list of { pattern = "…", reason = "…" }: a site's own check-result texts

FINDERS = ("role", "label", "placeholder", "test_id", "text", "title", "css")
ELEMENT_ATTRIBUTES = (*FINDERS, "name", "exact", "within", "has_text", "kind", "optional", "frame")
ELEMENT_KINDS = ("select", "listbox", "radio", "combobox", "menu", "file_input", "file_chooser")
CHOICE_KINDS = ("select", "listbox", "radio", "combobox", "menu")
FILE_KINDS = ("file_input", "file_chooser")
# A site's own elements: [elements] name = { … }, referred to as "elements.<name>".
ELEMENT_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Each action the bot takes, with the {placeholders} its steps may use.
ACTIONS: dict[str, tuple[str, ...]] = {
    "choose_unit": ("unit",),
    "choose_template": ("template",),
    "add_number": ("pnr",),
    "insert_text": ("text_name",),
    "attach_file": ("file_name",),
    "before_send": (),
    "send": (),
    "next_page": (),
    "open_all_cases": (),
}
# A step is an inline table with exactly one verb; the attributes each verb needs besides its key.
STEP_VERBS: dict[str, tuple[str, ...]] = {
    "click": (),
    "choose": ("option",),
    "fill": ("value",),
    "press": ("keys",),
    "check": (),
    "set_files": (),
    "wait": (),
}
MAX_NUMBERS_AT_ONCE = 250
RECORDS_ATTRIBUTES = ("records", "row", "cell", "header", "fields", "pattern", "optional")
READY_CONDITIONS = ("empty", "enabled", "visible", "gone", "count")
FIELDS = ("arende_id", "pnr", "subject", "sent_at", "sent_by", "status", "reason", "result")
# Where a records field may be read from, besides a column or a pattern group: `from` one of these, or
# `attribute` = a named attribute; of the row or of an element `inside` it.
FIELD_FROM = ("text", "accessible_name", "description", "title", "value")
FIELD_SOURCE_ATTRIBUTES = ("from", "attribute", "inside")
# The bot's categories for a recipient check: "ok" (reachable) and the reasons a citizen cannot be reached
# (their Swedish texts are bot.summary.REASONS_SV).
CHECK_REASONS = ("no_notification", "never_logged_in", "login_locked", "deceased", "cannot_log_in", "ok")
TEXT_ATTRIBUTES = ("pattern", "reason")
# How Alla ärenden shows more than one screenful (`unit_cases.paging`): "Nästa sida" pages, a "Visa fler" button,
# an endless scroll, or every hit on one page.
PAGINGS = ("pages", "load_more", "scroll", "one_page")


def _group(prefix: str, kind: str, *keys: str) -> dict[str, str]:
    return {f"{prefix}.{key}": kind for key in keys}


SCHEMA: dict[str, str] = {
    **_group("meta", VALUE, "name", "version"),
    **_group("pnr", VALUE, "display"),
    **_group("page", ELEMENT, "content", "busy"),
    "page.frame": VALUE,  # CSS of the iframe every entry lives in (see _check_frame)
    **_group("login", ELEMENT, "hsa_id", "password", "submit", "failed"),
    **_group("unit", ELEMENT, "heading", "choice", "list", "any_choice"),
    **_group("nav", ELEMENT, "my_cases", "unit_cases", "signed_in_user"),
    **_group("my_cases", ELEMENT, "send_case"),
    **_group("step1", ELEMENT, "template", "template_option", "next"),
    **_group("step2", ELEMENT, "pnr", "add", "list", "rows", "row", "remove", "refused", "busy", "next"),
    **_group("step2", VALUE, "numbers_at_once", "numbers_separator"),
    "step2.ready": READINESS,
    "step2.recipients": RECORDS,
    **_group(
        "step3",
        ELEMENT,
        "subject",
        "message",
        "insert_text",
        "any_insert_text",
        "attach",
        "attachments",
        "attached",
        "attachment_error",
        "back",
        "send",
        "confirm_dialog",
        "confirm",
    ),
    **_group("receipt", ELEMENT, "heading", "nothing_sent", "table", "not_sent", "send_another"),
    **_group("receipt", RECORDS, "sent", "refused"),
    **_group(
        "unit_cases",
        ELEMENT,
        "all_tab",
        "case_type",
        "case_type_option",
        "status",
        "status_option",
        "pnr",
        "date_from",
        "date_to",
        "search",
        "table",
        "rows",
        "next_page",
    ),
    "unit_cases.ready": READINESS,
    "unit_cases.paging": VALUE,
    "unit_cases.cases": RECORDS,
    **_group("unit_cases.values", VALUE, "sent_by_care", "read", "unread", "sent_at_format", "zone"),
    **_group("check_results", PATTERN, *CHECK_REASONS),
    "check_results.texts": TEXTS,
    **_group("check_results_markers", PATTERN, "protected_identity"),
    **_group("check_results_pending", PATTERN, "spinner"),
    **_group("page_states", PATTERN, "session_expired", "server_error", "forbidden"),
    **_group("actions", ACTION, *ACTIONS),
}

# Entries a site may switch off (`key = false`): the bot can do without the step they stand for.
MAY_BE_OFF = frozenset(
    {
        "page.busy",
        "nav.signed_in_user",  # a run that needs approval stops (exit 3) without it
        "step2.ready",
        "step2.busy",
        "unit_cases.ready",
        "unit_cases.all_tab",  # a tool whose Mottagningens ärenden already shows every ärende
        "step3.confirm_dialog",
        "step3.confirm",
        # a choice's options; without them, the default of the element's kind (see bot.locators.option_locator)
        "step1.template_option",
        "unit_cases.case_type_option",
        "receipt.not_sent",
        "receipt.refused",
        "unit_cases.status",
        "unit_cases.status_option",
        "unit_cases.pnr",
        "unit_cases.date_from",
        "unit_cases.date_to",
    }
)

# The facts each records entry must deliver to its flow.
REQUIRED_FIELDS = {
    "step2.recipients": {"pnr", "result"},
    "receipt.sent": {"pnr", "arende_id"},
    "receipt.refused": {"pnr", "reason"},
    "unit_cases.cases": {"arende_id", "pnr", "subject", "sent_at", "status"},
}

# Keys of schema version 1 that version 2 reads differently.
REMOVED = {
    "receipt.not_sent_row": "de ej skickade läses nu som poster i [receipt.refused]",
    **{
        f"unit_cases.values.col_{old}": f'kolumnrubriken anges nu i [unit_cases.cases] fields = {{ {new} = "…" }}'
        for old, new in (("id", "arende_id"), ("pnr", "pnr"), ("subject", "subject"), ("sent_at", "sent_at"))
    },
    "unit_cases.values.col_status": 'kolumnrubriken anges nu i [unit_cases.cases] fields = { status = "…" }',
}

_TABLES = {key.rsplit(".", 1)[0] for key in SCHEMA} | {"meta", "pnr", "elements"}


def kind_of(key: str) -> str | None:
    """The kind of entry `key` is (a schema key, or a site's own `elements.<name>`); None when it is unknown."""
    if key in SCHEMA:
        return SCHEMA[key]
    prefix, _, name = key.partition(".")
    return ELEMENT if prefix == "elements" and ELEMENT_NAME.fullmatch(name) else None


@dataclass(frozen=True)
class SourceFile:
    """One selectors file as read: its name (for messages) and its text (for line numbers)."""

    name: str
    text: str

    def where(self, key: str) -> str:
        """'Selektorfilen F, rad N' for the line that holds `key`."""
        return f"Selektorfilen {self.name}, rad {line_of(self.text, key)}"

    def error(self, key: str, message: str) -> ConfigError:
        """A ConfigError naming this file, the line that holds `key`, and the key."""
        return ConfigError(f"{self.where(key)}: '{key}': {message}")


def check_file(source: SourceFile, data: dict[str, Any], *, override: bool) -> None:
    """Refuse unknown tables, keys and attributes, and malformed entries, in one file on its own."""
    version = data.get("meta", {}).get("version") if isinstance(data.get("meta"), dict) else None
    if version is None and not override:
        raise source.error(
            "meta.version",
            f"saknar version = {VERSION} under [meta]. Filen är skriven för schema version 1; se kommentaren "
            "överst i selectors/personalverktyg.toml för version 2.",
        )
    if version is not None and version != VERSION:
        raise source.error("meta.version", f"version {version!r} stöds inte; utskick läser version {VERSION}.")
    for key, node in _walk(source, data, ""):
        kind = kind_of(key)
        if node is False:
            if kind not in (ELEMENT, RECORDS, READINESS):
                raise source.error(key, "bara element, poster och beredskap kan stängas av med false.")
            if key.startswith("elements."):
                raise source.error(key, "ett eget element kan inte stängas av; ta bort det i stället.")
            if key not in MAY_BE_OFF:
                raise source.error(key, "kan inte stängas av: utskick behöver det steget.")
        elif kind == ELEMENT:
            _check_element(source, key, node)
        elif kind == RECORDS:
            _check_records(source, key, node)
        elif kind == READINESS:
            _check_readiness(source, key, node)
        elif kind == PATTERN:
            _check_pattern(source, key, node)
        elif kind == TEXTS:
            _check_texts(source, key, node)
        elif kind == ACTION:
            _check_action(source, key, node)
        elif isinstance(node, dict):
            raise source.error(key, "ska vara ett värde, inte en tabell.")
        elif key == "unit_cases.values.zone":
            _check_zone(source, key, node)
        elif key == "page.frame":
            _check_frame(source, key, node)
        elif key == "step2.numbers_at_once":
            if isinstance(node, bool) or not isinstance(node, int) or not 1 <= node <= MAX_NUMBERS_AT_ONCE:
                raise source.error(key, f"ska vara ett heltal från 1 till {MAX_NUMBERS_AT_ONCE}.")
        elif key == "step2.numbers_separator" and (not isinstance(node, str) or not node):
            raise source.error(key, 'ska vara en text, t.ex. "\\n" (ny rad), ", " eller " ".')
        elif key == "unit_cases.paging" and node not in PAGINGS:
            hint = suggest(str(node), PAGINGS)
            raise source.error(key, f"paging = {node!r} finns inte; välj {', '.join(PAGINGS)}{hint}")


def _check_zone(source: SourceFile, key: str, node: Any) -> None:
    try:
        zone_named(str(node))
    except ValueError as err:
        raise source.error(key, f"{err}.") from err


def _walk(source: SourceFile, node: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for name, value in node.items():
        key = f"{prefix}{name}"
        if kind_of(key) is not None:
            yield key, value
        elif prefix == "elements.":
            raise source.error(
                key, "ett eget element heter små bokstäver a–z, siffror och _, och börjar med en bokstav."
            )
        elif key in _TABLES and isinstance(value, dict):
            yield from _walk(source, value, key + ".")
        else:
            raise _unknown(source, key, is_table=_is_table(value))


def _is_table(value: Any) -> bool:
    """A table of entries, not one entry written as an inline table."""
    entry_words = {*ELEMENT_ATTRIBUTES, *RECORDS_ATTRIBUTES, *READY_CONDITIONS}
    return isinstance(value, dict) and entry_words.isdisjoint(value)


def _unknown(source: SourceFile, key: str, *, is_table: bool) -> ConfigError:
    """'…, rad N: okänd nyckel 'x' – menade du 'y'?', worded as the campaign file's strict check words it."""
    if key in REMOVED:
        return source.error(key, f"finns inte i schema version {VERSION}: {REMOVED[key]}.")
    known = sorted(SCHEMA) + sorted(_TABLES)
    parent = key.rsplit(".", 1)[0] if "." in key else ""
    siblings = [k for k in known if parent and k.rsplit(".", 1)[0] == parent]
    close = difflib.get_close_matches(key, siblings or known, n=1, cutoff=0.5)
    if is_table:
        hint = f" – menade du [{close[0]}]?" if close else ""
        return ConfigError(f"{source.where(key)}: okänd tabell [{key}]{hint}")
    hint = f". {TEXTS_HINT}" if parent == "check_results" else suggest(key, siblings or known)
    return ConfigError(f"{source.where(key)}: okänd nyckel '{key}'{hint}")


TEXTS_HINT = (
    "Nycklarna under [check_results] är utskicks kategorier "
    f"({', '.join(CHECK_REASONS)}); egna texter skrivs som [[check_results.texts]] med "
    'pattern = "Kan inte ta emot: .*aldrig loggat in" och reason = "never_logged_in".'
)


def suggest(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    """' – menade du 'x'?' for the closest candidate, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    return f" – menade du '{close[0]}'?" if close else ""


def _check_attributes(source: SourceFile, key: str, node: dict, allowed: tuple[str, ...], what: str) -> None:
    for attribute in node:
        if attribute not in allowed:
            raise source.error(key, f"okänt attribut '{attribute}' för {what}{suggest(attribute, allowed)}")


def _check_element(source: SourceFile, key: str, node: Any) -> None:
    if not isinstance(node, dict):
        raise source.error(key, 'ska vara ett element, t.ex. { role = "button", name = "…" }, eller false.')
    _check_attributes(source, key, node, ELEMENT_ATTRIBUTES, "ett element")
    finders = [f for f in FINDERS if f in node]
    if len(finders) != 1:
        raise source.error(key, f"ett element ska ha exakt ett av {', '.join(FINDERS)}, har {finders or 'inget'}.")
    if "name" in node and "role" not in node:
        raise source.error(key, "'name' hör till 'role'.")
    for attribute in ("exact", "optional"):
        if attribute in node and not isinstance(node[attribute], bool):
            raise source.error(key, f"'{attribute}' ska vara true eller false.")
    for attribute in (*FINDERS, "name", "within", "has_text"):
        if attribute in node and not isinstance(node[attribute], str):
            raise source.error(key, f"'{attribute}' ska vara en text.")
    if "frame" in node:
        _check_frame(source, key, node["frame"])
        if "within" in node:
            raise source.error(key, "ange inte frame tillsammans med within: elementet ligger i within-elementets ram.")
    if "kind" in node and node["kind"] not in ELEMENT_KINDS:
        hint = suggest(str(node["kind"]), ELEMENT_KINDS)
        raise source.error(key, f"kind = {node['kind']!r} finns inte; välj {', '.join(ELEMENT_KINDS)}{hint}")


def _check_frame(source: SourceFile, key: str, node: Any) -> None:
    """A frame is the CSS of an iframe on the page (e.g. "iframe#personalverktyget"), or "" for the page itself."""
    if not isinstance(node, str):
        raise source.error(
            key, 'frame ska vara CSS för en iframe på sidan, t.ex. frame = "iframe#personalverktyget", eller "".'
        )
    if node.strip() and node.strip().startswith((">", "+", "~", ",")):
        raise source.error(key, f"frame = {node!r} är ingen giltig CSS för en iframe.")


def _check_action(source: SourceFile, key: str, node: Any) -> None:
    """An action: a list of steps, each an inline table with exactly one verb, its own attributes and keys, and only
    the {placeholders} the action has."""
    if not isinstance(node, list) or not all(isinstance(step, dict) for step in node):
        raise source.error(key, 'ska vara en lista av steg, t.ex. [{ click = "step3.send" }], eller [] (inga steg).')
    for number, step in enumerate(node, start=1):
        _check_step(source, key, number, step)


def _check_step(source: SourceFile, key: str, number: int, step: dict[str, Any]) -> None:
    def error(message: str) -> ConfigError:
        return _step_error(source, key, number, message)

    known = (*STEP_VERBS, *{a for own in STEP_VERBS.values() for a in own}, "optional")
    for attribute in step:
        if attribute not in known:
            raise error(f"okänt verb eller attribut '{attribute}'{suggest(attribute, known)}")
    verbs = [verb for verb in STEP_VERBS if verb in step]
    if len(verbs) != 1:
        raise error(f"ett steg ska ha exakt ett verb ({', '.join(STEP_VERBS)}), har {', '.join(verbs) or 'inget'}.")
    verb = verbs[0]
    for attribute in step:
        if attribute not in (verb, *STEP_VERBS[verb], "optional"):
            raise error(f"'{attribute}' hör inte till steget '{verb}'.")
    for attribute in STEP_VERBS[verb]:
        if attribute not in step:
            raise error(f"steget '{verb}' behöver {attribute}, t.ex. {_STEP_EXAMPLES[verb]}")
        if not isinstance(step[attribute], str):
            raise error(f"'{attribute}' ska vara en text.")
        _check_placeholders(error, key, step[attribute])
    if "optional" in step and not isinstance(step["optional"], bool):
        raise error("'optional' ska vara true eller false.")
    target = step[verb]
    if verb == "wait":
        _check_wait(error, target)
    elif not isinstance(target, str) or kind_of(target) != ELEMENT:
        raise error(f"{verb} = {target!r} är inget element{suggest(str(target), _ELEMENT_KEYS)}")


def _check_wait(error: Any, target: Any) -> None:
    if isinstance(target, str):
        if kind_of(target) != READINESS:
            raise error(f"wait = {target!r} är ingen beredskap{suggest(target, _READINESS_KEYS)}")
        return
    if not isinstance(target, dict) or not target:
        raise error('wait ska vara en beredskap, t.ex. "unit_cases.ready", eller { enabled = "step3.send" }.')
    for condition, value in target.items():
        if condition not in READY_CONDITIONS:
            raise error(f"okänt villkor '{condition}' för wait{suggest(condition, READY_CONDITIONS)}")
        keys = [value] if isinstance(value, str) else value
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise error(f"'{condition}' ska vara en nyckel eller en lista av nycklar.")
        for element in keys:
            if kind_of(element) != ELEMENT:
                raise error(f"{condition} = {element!r} är inget element{suggest(element, _ELEMENT_KEYS)}")


def _check_placeholders(error: Any, key: str, text: str) -> None:
    allowed = ACTIONS[key.removeprefix("actions.")]
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as e:
        raise error(f"ogiltig text {text!r} ({e}); skriv {{{{ och }}}} för en klammer.") from e
    for name in names:
        if name not in allowed:
            offered = ", ".join(f"{{{a}}}" for a in allowed) or "inga"
            raise error(f"okänd platshållare {{{name}}}; här finns {offered}{suggest(name, allowed)}")


_STEP_EXAMPLES = {
    "choose": '{ choose = "step1.template", option = "{template}" }',
    "fill": '{ fill = "step2.pnr", value = "{pnr}" }',
    "press": '{ press = "step2.pnr", keys = "Enter" }',
}
_ELEMENT_KEYS = [k for k, kind in SCHEMA.items() if kind == ELEMENT]
_READINESS_KEYS = [k for k, kind in SCHEMA.items() if kind == READINESS]


def _step_error(source: SourceFile, key: str, number: int, message: str) -> ConfigError:
    """An error about the `number`-th step of an action, at the line that step starts on."""
    line = step_line(source.text, key, number)
    place = f"Selektorfilen {source.name}, rad {line}" if line else source.where(key)
    return ConfigError(f"{place}: '{key}' (steg {number}): {message}")


def step_line(text: str, key: str, number: int) -> int | None:
    """The line where the `number`-th step (inline table) of the action `key`'s list begins, if it can be found."""
    start = key_line(text, key)
    if start is None:
        return None
    lines = text.splitlines()
    body = "\n".join(lines[start - 1 :])
    position = body.find("=")
    depth, braces, quote, seen = 0, 0, "", 0
    for index in range(position + 1, len(body)):
        char = body[index]
        if quote:
            quote = "" if char == quote and body[index - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            end = body.find("\n", index)
            if end < 0:
                return None
            body = body[:index] + " " * (end - index) + body[end:]
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return None
        elif char == "{":
            if depth == 1 and braces == 0:
                seen += 1
                if seen == number:
                    return start + body.count("\n", 0, index)
            braces += 1
        elif char == "}":
            braces -= 1
    return None


def _check_records(source: SourceFile, key: str, node: Any) -> None:
    if not isinstance(node, dict) or "records" not in node:
        raise source.error(key, 'ska vara poster: en tabell med records = "<elementets nyckel>", eller false.')
    _check_attributes(source, key, node, RECORDS_ATTRIBUTES, "poster")
    fields = node.get("fields", {})
    if not isinstance(fields, dict) or not all(isinstance(v, str | dict) for v in fields.values()):
        raise source.error(key, 'fields ska vara { fält = "kolumnrubrik" eller { from = "…" }, … }.')
    sources = {field: spec for field, spec in fields.items() if isinstance(spec, dict)}
    for field, spec in sources.items():
        _check_field_source(source, key, field, spec)
    if sources and "row" not in node:
        raise source.error(key, "fält som läses ur en rads element eller attribut behöver row (CSS för en rad).")
    if "pattern" in node:
        if len(sources) < len(fields) or "header" in node or "cell" in node:
            raise source.error(key, "ange antingen pattern (mönster) eller header/cell/fields (kolumner), inte båda.")
        try:
            groups = set(re.compile(node["pattern"]).groupindex)
        except (re.error, TypeError) as e:
            raise source.error(key, f"ogiltigt mönster: {e}") from e
        if both := sorted(groups & set(sources)):
            raise source.error(key, f"fältet '{both[0]}' läses både ur mönstret och ur fields; välj ett.")
        named = groups | set(sources)
    elif sources and len(sources) == len(fields) and "header" not in node and "cell" not in node:
        named = set(sources)  # every field from the row's elements or attributes: no columns, no pattern
    else:
        missing = [a for a in ("row", "cell", "header", "fields") if a not in node]
        if missing:
            raise source.error(
                key, f"poster per kolumn behöver row, cell, header och fields; saknar {', '.join(missing)}."
            )
        named = set(fields)
    for field in sorted(named - set(FIELDS)):
        raise source.error(key, f"okänt fält '{field}'; fälten är {', '.join(FIELDS)}{suggest(field, FIELDS)}")
    lacking = REQUIRED_FIELDS[key] - named
    if lacking:
        raise source.error(key, f"posterna saknar fälten {', '.join(sorted(lacking))}.")


def _check_field_source(source: SourceFile, key: str, field: str, spec: dict) -> None:
    """A field read from the row, or an element inside it: its text, accessible name, description, title, value or
    a named attribute."""
    what = f"fältet '{field}'"
    for attribute in spec:
        if attribute not in FIELD_SOURCE_ATTRIBUTES:
            hint = suggest(attribute, FIELD_SOURCE_ATTRIBUTES)
            raise source.error(key, f"okänt attribut '{attribute}' för {what}{hint}")
    if "from" in spec and "attribute" in spec:
        raise source.error(key, f"{what}: ange antingen from eller attribute, inte båda.")
    if "from" in spec and spec["from"] not in FIELD_FROM:
        hint = suggest(str(spec["from"]), FIELD_FROM)
        raise source.error(key, f"{what}: from = {spec['from']!r} finns inte; välj {', '.join(FIELD_FROM)}{hint}")
    if "attribute" in spec and (not isinstance(spec["attribute"], str) or not spec["attribute"].strip()):
        raise source.error(key, f'{what}: attribute ska vara ett attributnamn, t.ex. attribute = "aria-label".')
    inside = spec.get("inside")
    if inside is not None and (
        not isinstance(inside, dict) or set(inside) != {"css"} or not isinstance(inside["css"], str)
    ):
        raise source.error(key, f'{what}: inside anges med CSS inom raden, t.ex. inside = {{ css = "svg.status" }}.')


def _check_readiness(source: SourceFile, key: str, node: Any) -> None:
    if not isinstance(node, dict) or not node:
        raise source.error(
            key, 'ska vara beredskap, t.ex. { empty = "step2.pnr", enabled = "step2.add" }, eller false.'
        )
    _check_attributes(source, key, node, READY_CONDITIONS, "beredskap")
    for condition, value in node.items():
        keys = [value] if isinstance(value, str) else value
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise source.error(key, f"'{condition}' ska vara en nyckel eller en lista av nycklar.")


def _check_pattern(source: SourceFile, key: str, node: Any) -> None:
    texts = node if isinstance(node, list) else [node]
    if not texts or not all(isinstance(t, str) for t in texts):
        raise source.error(key, "ska vara ett reguljärt uttryck (text) eller en lista av sådana.")
    for text in texts:
        try:
            re.compile(text)
        except re.error as e:
            raise source.error(key, f"ogiltigt mönster: {e}") from e


def _check_texts(source: SourceFile, key: str, node: Any) -> None:
    if not isinstance(node, list) or not all(isinstance(entry, dict) for entry in node):
        raise source.error(key, f"ska vara en lista av tabeller. {TEXTS_HINT}")
    for number, entry in enumerate(node, start=1):
        for attribute in entry:
            if attribute not in TEXT_ATTRIBUTES:
                hint = suggest(attribute, TEXT_ATTRIBUTES)
                message = f"okänt attribut '{attribute}'; en text har pattern och reason{hint}"
                raise _text_error(source, key, number, message)
        missing = [a for a in TEXT_ATTRIBUTES if a not in entry]
        if missing:
            raise _text_error(source, key, number, f"saknar {' och '.join(missing)}. {TEXTS_HINT}")
        reason = entry["reason"]
        if reason not in CHECK_REASONS:
            hint = suggest(str(reason), CHECK_REASONS)
            message = f"reason = {reason!r} är ingen av utskicks kategorier ({', '.join(CHECK_REASONS)}){hint}"
            raise _text_error(source, key, number, message)
        _check_pattern(source, key, entry["pattern"])


def _text_error(source: SourceFile, key: str, number: int, message: str) -> ConfigError:
    """An error about the `number`-th site text, at its own [[check_results.texts]] line when it has one."""
    line = _texts_entry_line(source.text, number)
    place = f"Selektorfilen {source.name}, rad {line}" if line else source.where(key)
    return ConfigError(f"{place}: '{key}' (text nr {number}): {message}")


_TEXTS_HEADER = re.compile(r"^\s*\[\[\s*check_results\s*\.\s*texts\s*\]\]")


def _texts_entry_line(text: str, number: int) -> int | None:
    """The line of the `number`-th [[check_results.texts]] header, when the file writes them so."""
    headers = [n for n, line in enumerate(text.splitlines(), start=1) if _TEXTS_HEADER.match(line)]
    return headers[number - 1] if len(headers) >= number else None


def references(key: str, node: Any) -> list[tuple[str, str]]:
    """The keys an entry points at, with the attribute that names them (within, records, a condition, a step's
    verb: a step's `wait = "…"` names a readiness entry, every other reference an element)."""
    if kind_of(key) == ACTION:
        return _step_references(node)
    if not isinstance(node, dict):
        return []
    kind = kind_of(key)
    if kind == ELEMENT:
        return [("within", node["within"])] if "within" in node else []
    if kind == RECORDS:
        return [("records", node["records"])]
    if kind == READINESS:
        return [(cond, k) for cond, value in node.items() for k in ([value] if isinstance(value, str) else value)]
    return []


def _step_references(steps: Any) -> list[tuple[str, str]]:
    """What an action's steps point at: (verb, key), and ("wait <condition>", key) for an inline readiness."""
    found: list[tuple[str, str]] = []
    for step in steps if isinstance(steps, list) else []:
        for verb in STEP_VERBS:
            target = step.get(verb) if isinstance(step, dict) else None
            if isinstance(target, str):
                found.append((verb, target))
            elif isinstance(target, dict):
                for condition, value in target.items():
                    found += [(f"wait {condition}", k) for k in ([value] if isinstance(value, str) else value)]
    return found


def line_of(text: str, key: str) -> int:
    """The line (1-based) where `key` (or, failing that, its nearest enclosing table) is written; 1 if nowhere."""
    while key:
        if (number := key_line(text, key)) is not None:
            return number
        key = key.rsplit(".", 1)[0] if "." in key else ""
    return 1
