"""The selector doctor's report: what it found per key, written as rapport.txt for a person and rapport.json for a
script, in the doctor's folder, both 0600 and without personnummer."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.locators import Selectors
from bot.pnr import scrub
from bot.run.doctor_propose import Proposals

FOUND, MISSING, SEVERAL, HIDDEN, DISABLED = "found", "missing", "several", "hidden", "disabled"
ABSENT_OPTIONAL, OFF, NOT_CHECKED, NOT_REACHED = "absent_optional", "off", "not_checked", "not_reached"
UNKNOWN_TEXT = "unknown_text"  # a text the tool shows that no pattern of the table knows
WRONG_KIND = "wrong_kind"  # found, but not the kind of element the entry says (a <select> that is a listbox)
FAILED = frozenset({MISSING, SEVERAL, HIDDEN, DISABLED, NOT_REACHED, UNKNOWN_TEXT, WRONG_KIND})
UNCHECKED = frozenset({OFF, NOT_CHECKED, NOT_REACHED})

STATES_SV = {
    "found": "finns",
    "missing": "SAKNAS",
    "several": "FLER ÄN ETT",
    "hidden": "DOLT",
    "disabled": "INAKTIVERAT",
    "absent_optional": "finns inte (valfritt)",
    "off": "avstängt",
    "not_checked": "kontrolleras inte",
    "not_reached": "EJ NÅTT",
    "unknown_text": "OKÄND TEXT",
    "wrong_kind": "FEL SORT",
}


@dataclass
class KeyCheck:
    """What the doctor found for one selectors key."""

    key: str
    screen: str
    state: str
    detail: str = ""
    candidates: list[str] = field(default_factory=list)
    filled: dict[str, str] = field(default_factory=dict)  # the placeholders the key was checked with ({unit}, …)


@dataclass
class DoctorReport:
    """Every key's check, the screenshots taken, and where the report was written."""

    checks: dict[str, KeyCheck] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)
    folder: Path | None = None
    stopped: str = ""
    tool_clock: str = ""  # the staff tool's clock as last measured for the campaign (Swedish, one line)
    proposals: Proposals = field(default_factory=Proposals)  # what the doctor decided, and what it could not
    proposal_file: Path | None = None  # where --propose wrote them
    trials: list[str] = field(default_factory=list)  # the check's reason per trial citizen, in the order tried

    @property
    def failed(self) -> list[KeyCheck]:
        """The checks a person has to look at."""
        return [c for c in self.checks.values() if c.state in FAILED]

    @property
    def exit_code(self) -> int:
        """0 when everything was found, 3 otherwise."""
        return 3 if self.failed or self.stopped else 0


def write_report(report: DoctorReport, selectors: Selectors) -> None:
    """rapport.txt for a person and rapport.json for a script, both 0600 and without personnummer."""
    if report.folder is None:
        raise ValueError("rapporten saknar mapp")
    text = format_report(report, selectors)
    data = {
        "ok": report.exit_code == 0,
        "stopped": report.stopped,
        "selectors": selectors.source,
        "checks": [asdict(c) for c in report.checks.values()],
        "screenshots": [p.name for p in report.screenshots],
        "tool_clock": report.tool_clock or None,
        "trials": report.trials,
    }
    for name, content in (("rapport.txt", text), ("rapport.json", json.dumps(data, ensure_ascii=False, indent=2))):
        path = report.folder / name
        path.write_text(scrub(content), encoding="utf-8")
        os.chmod(path, 0o600)


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each "{name}" placeholder of `values` filled in (a plain replace: names may hold braces)."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def format_report(report: DoctorReport, selectors: Selectors) -> str:
    """The report in Swedish: what needs a look first, then every key by screen."""
    failed = report.failed
    checked = [c for c in report.checks.values() if c.state not in UNCHECKED]
    broken = [c for c in failed if c.state != NOT_REACHED]
    not_reached = len(failed) - len(broken)
    lines = [
        f"Selektordoktorn: {selectors.source}",
        f"{len(broken)} av {len(checked)} kontrollerade nycklar behöver åtgärdas."
        if failed
        else "Alla nycklar hittades.",
    ]
    if not_reached:
        lines.append(f"{not_reached} nycklar nåddes inte (se nedan varför).")
    if report.stopped:
        lines.append(f"Genomgången stannade vid {report.stopped}")
    if report.tool_clock:
        lines.append(report.tool_clock)
    for check in failed:
        lines.append(f"  {STATES_SV[check.state]:<12} {fill(selectors.describe(check.key), check.filled)}")
        if check.detail:
            lines.append(f"               {check.detail}")
        if check.candidates:
            lines.append(f"               På sidan finns: {', '.join(check.candidates)}")
    lines.append("\nAlla nycklar:")
    for check in report.checks.values():
        note = f"  ({check.detail})" if check.detail and check not in failed else ""
        lines.append(f"  {STATES_SV[check.state]:<22} {check.key}{note}")
    lines.append("\nSkärmbilder: " + ", ".join(p.name for p in report.screenshots))
    lines += format_proposals(report)
    return "\n".join(lines) + "\n"


def format_proposals(report: DoctorReport) -> list[str]:
    """What --propose wrote and what it could not decide (Swedish lines; none without proposals)."""
    proposals = report.proposals
    if report.proposal_file is None:
        return []
    lines = [f"\nFörslag skrivet till {report.proposal_file}: {len(proposals.decided)} poster."]
    for proposal in proposals.decided.values():
        lines.append(f"  {proposal.key}: {proposal.seen}")
    if proposals.undecided:
        lines.append("Kunde inte avgöras:")
        lines += [f"  {key}: {why}" for key, why in proposals.undecided.items()]
    return lines
