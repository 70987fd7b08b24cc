"""Make a kept Playwright trace safe to keep: no secret, no cookie, no request body, no full personnummer.

A trace (`trace.zip`) holds the actions with their arguments (`trace.trace`), every request and response with
headers (`trace.network`, HAR entries) and the bodies and DOM snapshots under `resources/`. The bot logs in
outside any traced section, so the password should never be recorded; this is the second line: cookie and
authorization headers and every request body are dropped, each given secret is replaced wherever it appears,
personnummer are masked (`YYYYMMDD-****`), and a trace that still holds a secret afterwards is deleted.
Screenshots inside the trace are images and still show what the screen showed: they are patient data.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.pnr import INTERIM_LETTERS, luhn_check_digit

REDACTED = "[borttaget]"
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})
# Alphanumeric boundaries and a valid check digit: masks real personnummer, leaves resource hashes and ids alone.
_PNR = re.compile(
    r"(?<![0-9A-Za-z])(?P<date>(?:18|19|20)?[0-9]{6})(?P<sep>[-+]?)(?P<serial>[0-9" + INTERIM_LETTERS + r"][0-9]{3})"
    r"(?![0-9A-Za-z])",
    re.ASCII,
)


class TraceNotSafe(Exception):
    """A secret was still found in a trace after scrubbing; the trace has been deleted."""


def mask_personnummer(text: str) -> str:
    """Mask every number in `text` that is shaped like a personnummer and has a valid check digit."""

    def replace(m: re.Match) -> str:
        core = m["date"][-6:] + m["serial"]
        if core[6].isalpha():  # an interim number: the letter counts as 1 in the check digit
            core = core[:6] + "1" + core[7:]
        if luhn_check_digit(core[:9]) != int(core[9]):
            return m.group(0)
        return f"{m['date']}{m['sep'] or '-'}****"

    return _PNR.sub(replace, text)


def scrub_trace(path: Path, secrets: Iterable[str]) -> Path:
    """Rewrite the trace at `path` in place (mode 0600); raise TraceNotSafe (trace deleted) if a secret survives."""
    needles = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    bodies = _request_body_resources(members)
    cleaned: dict[str, bytes] = {}
    for name, data in members.items():
        if name in bodies:
            continue
        if name.endswith((".trace", ".network", ".stacks")):
            cleaned[name] = _clean_json_lines(data, needles)
        else:
            cleaned[name] = _clean_resource(data, needles)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in cleaned.items():
                target.writestr(name, data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    leaked = [n for n in needles if any(n.encode() in data for data in cleaned.values())]
    if leaked:
        path.unlink(missing_ok=True)
        raise TraceNotSafe(f"spåret {path.name} innehöll fortfarande en hemlighet och togs bort")
    return path


def recorded_actions(path: Path) -> int:
    """How many actions (clicks, fills, navigations) the trace at `path` recorded."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".trace")]
        return sum(archive.read(n).count(b'"type":"before"') for n in names)


def _request_body_resources(members: dict[str, bytes]) -> set[str]:
    """The resources that hold request bodies (form posts, the login among them): never kept."""
    found: set[str] = set()
    for name, data in members.items():
        if not name.endswith(".network"):
            continue
        for line in data.decode("utf-8", "replace").splitlines():
            if '"postData"' not in line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            post = event.get("snapshot", {}).get("request", {}).get("postData") or {}
            if post.get("_sha1"):
                found.add(f"resources/{post['_sha1']}")
    return found


def _clean_json_lines(data: bytes, needles: list[str]) -> bytes:
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            out.append(_clean_text(line, needles))
            continue
        if isinstance(event, dict) and event.get("type") == "resource-snapshot":
            _strip_har_entry(event.get("snapshot") or {})
        out.append(json.dumps(_clean_value(event, needles), ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode("utf-8")


def _strip_har_entry(entry: dict) -> None:
    """Drop cookie and authorization headers, cookie lists and the request body of one HAR entry."""
    for side in ("request", "response"):
        part = entry.get(side)
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("headers"), list):
            part["headers"] = [h for h in part["headers"] if str(h.get("name", "")).lower() not in SECRET_HEADERS]
        if "cookies" in part:
            part["cookies"] = []
    request = entry.get("request")
    if isinstance(request, dict) and "postData" in request:
        request.pop("postData")
        request["bodySize"] = 0


def _clean_value(value: Any, needles: list[str], key: str = "") -> Any:
    if isinstance(value, str):
        return value if "sha1" in key.lower() else _clean_text(value, needles)
    if isinstance(value, list):
        return [_clean_value(v, needles, key) for v in value]
    if isinstance(value, dict):
        return {k: _clean_value(v, needles, k) for k, v in value.items()}
    return value


def _clean_text(text: str, needles: list[str]) -> str:
    for needle in needles:
        text = text.replace(needle, REDACTED)
    return mask_personnummer(text)


def _clean_resource(data: bytes, needles: list[str]) -> bytes:
    """Text resources (HTML, JSON, CSS, scripts) are cleaned; images are left as they are."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return _clean_text(text, needles).encode("utf-8")
