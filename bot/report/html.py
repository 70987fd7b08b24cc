"""The HTML summary for the beställare: counts, facts and two charts, with no personnummer at all.

One self-contained file (inline CSS and SVG, no scripts, no external assets), safe to e-mail and readable in any
browser. Not even a masked personnummer (`YYYYMMDD-****` still gives a birth date): anything shaped like one in
a text from the ledger is replaced by a placeholder, and the finished page is checked once more before it is
written.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from bot.errors import UtskickError
from bot.ledger.base import scrub
from bot.report.cells import neutralize
from bot.report.charts import outcome_chart, read_share_chart
from bot.report.files import write_private
from bot.report.frames import ZONE_NOTE, ReportFrames, ReportInput, campaign_facts, local_text, run_facts

PERSONNUMMER_LIKE = re.compile(
    r"(?<!\d)(\d{10}|\d{12})(?!\d)|(?<!\d)(\d{6}|\d{8})[-+](\d{4}|[A-Za-z]\d{3}|\*{4})(?![\d*])"
)
PLACEHOLDER = "[personnummer borttaget]"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 2rem auto; max-width: 56rem;
       padding: 0 1rem; color: #1d1d1d; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .3rem .8rem; text-align: left; border-bottom: 1px solid #ddd; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #f3f6f9; border-left: 4px solid #3d6f99; padding: .6rem 1rem; }
figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; } .muted { color: #666; font-size: .9rem; }
"""


class PersonnummerInReport(UtskickError):
    """The HTML summary would have held something shaped like a personnummer; it was not written."""


def _text(value: object) -> str:
    """A text from the ledger, HTML-escaped, with anything shaped like a personnummer (masked or not) removed, and
    an apostrophe before a text that starts like a formula (a table pasted into Excel would run it)."""
    text = PERSONNUMMER_LIKE.sub(PLACEHOLDER, scrub(str(value)) or "")
    return escape(str(neutralize(text)) if isinstance(value, str) else text)


def _rows(pairs: list[tuple[str, object]], numeric: bool = False) -> str:
    cls = ' class="n"' if numeric else ""
    return "\n".join(f'<tr><th scope="row">{_text(k)}</th><td{cls}>{_text(v)}</td></tr>' for k, v in pairs)


def render_html(data: ReportInput, frames: ReportFrames) -> str:
    """The summary page as text."""
    c = frames.counts
    name = _text(data.campaign.name)
    charts = [f"<figure>{outcome_chart(c)}</figure>"]
    if frames.read_curve:
        charts.append(f"<figure>{read_share_chart(frames.read_curve)}</figure>")
    else:
        charts.append("<p>Inga ärenden har skickats ännu, så det finns ingen läsning att visa.</p>")
    reasons = (
        "<h2>Ej nåbara per orsak</h2>\n<table>" + _rows(list(c.reasons.items()), numeric=True) + "</table>"
        if c.reasons
        else ""
    )
    page = f"""<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Uppföljning av utskicket {name}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Uppföljning av utskicket</h1>
<p class="muted">{name}</p>
<p class="note">Den här sammanfattningen innehåller inga personnummer och kan skickas vidare.
Uppgifter per invånare finns i Excel-rapporten och journalexporten, som hanteras som patientuppgifter.</p>
<h2>Siffror</h2>
<table id="siffror">
{_rows(c.rows(), numeric=True)}
</table>
{reasons}
<h2>Diagram</h2>
{"".join(charts)}
<h2>Om utskicket</h2>
<table>
{_rows(campaign_facts(data))}
</table>
<h2>Körningar</h2>
<table>
{_rows(run_facts(data, with_actors=False))}
</table>
<p class="muted">{escape(ZONE_NOTE)} Skapad {escape(local_text(data.generated_at))} (svensk tid).</p>
</body>
</html>
"""
    if PERSONNUMMER_LIKE.search(page):
        raise PersonnummerInReport("HTML-sammanfattningen skulle ha innehållit ett personnummer och skrevs inte.")
    return page


def write_html(data: ReportInput, frames: ReportFrames, path: Path) -> Path:
    """Write the summary (mode 0600 like the other reports; it is safe to share, the folder is not)."""
    return write_private(path, render_html(data, frames).encode("utf-8"))
