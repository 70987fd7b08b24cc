"""The HTML summary's charts as inline SVG (matplotlib's object API: no pyplot, no GUI, no global state)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import matplotlib
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.report.frames import STOCKHOLM, Counts

COLORS = {"read": "#1b7340", "unread": "#8fc9a3", "open": "#c9c9c9", "not_reachable": "#c0392b", "other": "#e0a800"}
_RC = {"svg.fonttype": "none", "svg.hashsalt": "utskick", "font.size": 10}
_ID = re.compile(r'id="([^"]+)"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def outcome_chart(counts: Counts) -> str:
    """Horizontal bars: read, unread, not yet followed up, not reachable, not sent, invalid."""
    bars = [
        ("Skickade, lästa", counts.read, COLORS["read"]),
        ("Skickade, olästa", counts.unread, COLORS["unread"]),
        ("Skickade, ej uppföljda", counts.not_followed_up, COLORS["open"]),
        ("Ej nåbara", counts.not_reachable, COLORS["not_reachable"]),
        ("Ej skickade", counts.not_sent, COLORS["other"]),
        ("Ogiltiga i leveransen", counts.invalid, COLORS["other"]),
    ]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7, 3), layout="constrained")
        ax = fig.add_subplot()
        labels = [b[0] for b in reversed(bars)]
        values = [b[1] for b in reversed(bars)]
        ax.barh(labels, values, color=[b[2] for b in reversed(bars)])
        for y, value in enumerate(values):
            ax.annotate(str(value), (value, y), xytext=(4, 0), textcoords="offset points", va="center")
        ax.set_xlim(0, max([*values, 1]) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Antal invånare")
        ax.set_title("Utfall per invånare")
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig, "utfall")


def read_share_chart(points: list[tuple[datetime, float]]) -> str:
    """The read share of sent ärenden over time, as a step line; times in Swedish local time."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7, 3), layout="constrained")
        ax = fig.add_subplot()
        times = [t.astimezone(STOCKHOLM) for t, _ in points]
        pad = max((times[-1] - times[0]) / 20, timedelta(minutes=5))
        ax.set_xlim(times[0] - pad, times[-1] + pad)
        ax.step(times, [share for _, share in points], where="post", color=COLORS["read"], linewidth=2)
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0, symbol=" %"))
        locator = AutoDateLocator(tz=STOCKHOLM)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            ConciseDateFormatter(
                locator,
                tz=STOCKHOLM,
                formats=["%Y", "%Y-%m", "%d/%m", "%H:%M", "%H:%M", "%S"],
                zero_formats=["", "%Y", "%Y-%m", "%d/%m", "%H:%M", "%H:%M"],
                offset_formats=["", "%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
            )
        )
        ax.set_xlabel("Tid (svensk tid, Europe/Stockholm)")
        ax.set_ylabel("Andel lästa")
        ax.set_title("Andel lästa av skickade ärenden över tid")
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig, "lasta")


def _svg(fig: Figure, prefix: str) -> str:
    """The figure as an <svg> element, its ids renamed so that two charts on one page never clash and no id
    is a long run of digits."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    for n, old in enumerate(dict.fromkeys(_ID.findall(text))):
        new = f"{prefix}-{n}"
        text = (
            text.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old})", f"#{new})").replace(f'#{old}"', f'#{new}"')
        )
    return text
