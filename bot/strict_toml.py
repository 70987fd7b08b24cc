"""Unknown keys in a TOML file are errors: find each one, the line it is on, and the known key it resembles.

`tomllib` gives no line numbers, so `key_line` finds a key's line in the text itself: table headers and
`key =` lines (bare, quoted and dotted keys), skipping multi-line strings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

# A schema is a dict of known names: None for a value, a nested schema for a table.
Schema = dict[str, Any]

_HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*(?P<key>{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_SPLIT = re.compile(rf"{_KEY_PART}")


def unknown_keys(data: dict[str, Any], schema: Schema, prefix: str = "") -> Iterator[tuple[str, bool]]:
    """Every key in `data` the schema does not know, as (dotted name, is a table), in file order."""
    for name, value in data.items():
        dotted = f"{prefix}{name}"
        if name not in schema:
            yield dotted, isinstance(value, dict)
        elif isinstance(schema[name], dict) and isinstance(value, dict):
            yield from unknown_keys(value, schema[name], f"{dotted}.")


def _parts(key: str) -> list[str]:
    return [p.strip("\"'") for p in _SPLIT.findall(key)]


def key_line(text: str, dotted: str) -> int | None:
    """The 1-based line where `dotted` (or the inline table holding it) is defined, if it can be found."""
    wanted = dotted.split(".")
    table: list[str] = []
    best: tuple[int, int] | None = None  # (length of the matched path, line)
    in_string = False
    for number, line in enumerate(text.splitlines(), start=1):
        quotes = line.count('"""') + line.count("'''")
        if in_string:
            in_string = quotes % 2 == 0
            continue
        if quotes % 2:
            in_string = True
        if header := _HEADER.match(line):
            table = _parts(header["name"])
            path = table
        elif key := _KEY.match(line):
            path = table + _parts(key["key"])
        else:
            continue
        if path == wanted:
            return number
        if wanted[: len(path)] == path and len(path) > len(table) and (best is None or len(path) > best[0]):
            best = (len(path), number)
    return best[1] if best else None


def _leaves(schema: Schema, prefix: str = "") -> Iterator[str]:
    for name, sub in schema.items():
        yield f"{prefix}{name}"
        if isinstance(sub, dict):
            yield from _leaves(sub, f"{prefix}{name}.")


def closest_known(dotted: str, schema: Schema) -> str | None:
    """The known key `dotted` most likely means: a close name in the same table, else the same name elsewhere."""
    *parents, leaf = dotted.split(".")
    level: Any = schema
    for part in parents:
        level = level.get(part) if isinstance(level, dict) else None
    if isinstance(level, dict):
        close = difflib.get_close_matches(leaf, list(level), n=1, cutoff=0.6)
        if close:
            return ".".join([*parents, close[0]])
    everywhere = {path.rsplit(".", 1)[-1]: path for path in _leaves(schema) if path != dotted}
    close = difflib.get_close_matches(leaf, list(everywhere), n=1, cutoff=0.8)
    return everywhere[close[0]] if close else None


def describe_unknown(text: str, data: dict[str, Any], schema: Schema, label: str) -> list[str]:
    """One Swedish line per unknown key or table: file, line, name and a "menade du …?" when one is close."""
    lines = []
    for dotted, is_table in unknown_keys(data, schema):
        number = key_line(text, dotted)
        where = f"{label}, rad {number}" if number else label
        kind, shown = ("tabell", f"[{dotted}]") if is_table else ("nyckel", f"'{dotted}'")
        guess = closest_known(dotted, schema)
        hint = ""
        if guess:
            hint = f" – menade du [{guess}]?" if is_table else f" – menade du '{guess}'?"
        lines.append(f"{where}: okänd {kind} {shown}{hint}")
    return lines


_WHERE = re.compile(r"^(?P<what>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)$", re.S)
# tomllib's messages (Python 3.11), by their fixed beginning, in Swedish.
_SYNTAX_SV = [
    ("Cannot declare", "samma nyckel eller tabell anges två gånger"),
    ("Cannot overwrite a value", "ett värde anges två gånger"),
    ("Cannot redefine namespace", "en tabell anges igen efter att ha getts ett värde"),
    ("Cannot mutate immutable namespace", "en tabell som redan är given i sin helhet ändras"),
    ("Duplicate inline table key", "samma nyckel två gånger i en tabell på en rad"),
    ("Expected '=' after a key", "det saknas '=' efter nyckeln"),
    ("Expected ']' at the end of a table declaration", "det saknas ']' efter tabellens namn"),
    ("Expected ']]' at the end of an array declaration", "det saknas ']]' efter tabellens namn"),
    ("Expected", "ett tecken saknas"),
    ("Found invalid character", "ogiltigt tecken"),
    # A line break inside a one-line string: its closing quote is missing.
    ("Illegal character '\\n'", "en text saknar avslutande citattecken"),
    ("Illegal character", "otillåtet tecken"),
    ("Invalid date or datetime", "ogiltigt datum eller tidpunkt"),
    ("Invalid hex value", "ogiltigt hexadecimalt värde"),
    ("Invalid initial character for a key part", "nyckeln börjar med ett otillåtet tecken"),
    ("Invalid statement", "raden är varken en nyckel = värde eller en [tabell]"),
    ("Invalid value", "ogiltigt värde (text ska stå inom citattecken)"),
    ("Unclosed array", "en lista saknar avslutande ']'"),
    ("Unclosed inline table", "en tabell på en rad saknar avslutande '}'"),
    ("Unescaped '\\' in a string", "ett '\\' i en text måste skrivas '\\\\'"),
    ("Unterminated string", "en text saknar avslutande citattecken"),
    ("Escaped character is not a Unicode scalar value", "ogiltig teckenkod i en text"),
]


def syntax_error(name: str, error: Exception) -> str:
    """A Swedish message for a TOML syntax error in file `name`: where (line, column) and what, tomllib's text last."""
    text = str(error)
    match = _WHERE.match(text)
    if match is None:
        what, where = text, "okänd plats"
    elif match["line"]:
        what, where = match["what"], f"rad {match['line']}, kolumn {match['column']}"
    else:
        what, where = match["what"], "i slutet av filen"
    swedish = next((sv for start, sv in _SYNTAX_SV if what.startswith(start)), "felaktig TOML")
    return f"{name} {where}: {swedish} ({what})."
