"""One rule for every text a report takes from a campaign, the ledger or the staff tool: a text that starts
like a formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading apostrophe, so Excel (opening the CSV,
the xlsx, or a table pasted from the HTML) shows it as text and never runs it."""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """`value` with an apostrophe in front when it is a text starting like a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell (and header) neutralized."""
    safe = frame.map(neutralize)
    safe.columns = [neutralize(c) for c in frame.columns]
    return safe
