"""Kampanjer: the campaign files in the folder with their state in the ledger, and Ny kampanj, which writes a
campaign file from a form and checks it with the same reader the command line uses."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot.config import MODES, load_campaign
from bot.errors import ConfigError
from bot.ledger import Ledger
from bot.summary import STATES_SV
from bot.ui.access import open_session, signed_in, state
from bot.ui.jobs import KINDS_SV
from bot.ui.workspace import SLUG

bp = Blueprint("ui", __name__)

# The form's fields: (name, Swedish label, required).
FIELDS = (
    ("filnamn", "Filnamn (bokstäver a–z, siffror och bindestreck)", True),
    ("name", "Kampanjens namn", True),
    ("bestallare", "Beställare", True),
    ("sender_name", "Ansvarig avsändare: namn", True),
    ("sender_title", "Ansvarig avsändare: titel", False),
    ("sender_unit", "Ansvarig avsändare: enhet", False),
    ("unit", "Mottagning (som under Välj mottagning)", True),
    ("template", "Mall (som i Välj mall)", True),
    ("texts", "Malltexter att infoga, en per rad, i ordning", False),
    ("extra_text", "Extra text efter malltexterna", False),
    ("attachments", "Bilagor: filnamn i kampanjmappen, en per rad (pdf, jpg, png)", False),
    ("url", "Personalverktygets adress", True),
    ("hsa_id", "Ditt HSA-id (den som skickar)", True),
)


@bp.get("/start/<token>")
def start(token: str):
    """Exchange the one-time token for the session cookie."""
    if not signed_in():  # else this browser opened the link before
        refused = open_session(token)
        if refused:
            abort(403, refused)
    # A page, not a redirect: after the redirect file (file://) the chain is cross-site and a SameSite=Strict
    # cookie would not go with it; the page's own refresh is same-site.
    return render_template("opened.html", title="Fönstret är öppet")


@bp.get("/")
def campaigns():
    """Kampanjer: every campaign file in the folder with its state."""
    rows = [_row(path) for path in state()["workspaces"].files()]
    return render_template("campaigns.html", title="Kampanjer", rows=rows, folder=state()["workspaces"].folder)


def _row(path: Path) -> dict:
    slug = path.stem
    try:
        campaign = load_campaign(path)
    except ConfigError as e:
        return {"slug": slug, "file": path.name, "name": "", "state": f"Fel i kampanjfilen: {e}", "ok": False}
    running = state()["jobs"].running_for(slug)
    text = f"Pågår: {KINDS_SV[running.kind].lower()}" if running is not None else _ledger_state(campaign)
    return {"slug": slug, "file": path.name, "name": campaign.name, "state": text, "ok": True}


def _ledger_state(campaign) -> str:
    if not campaign.ledger.exists():
        return "Inte körd"
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="ui", run_id="ui") as ledger:
        if ledger.campaign(key) is None:
            return "Inte körd med det här meddelandet"
        counts = ledger.counts(key)
    return ", ".join(f"{STATES_SV.get(s, s)} {n}" for s, n in counts.items() if n) or "Inga invånare"


@bp.route("/ny", methods=["GET", "POST"])
def new_campaign():
    """Ny kampanj: write a campaign file from the form; refuse it, naming file, key and reason, as the CLI does."""
    values = {name: request.form.get(name, "") for name, _, _ in FIELDS}
    values.setdefault("url", "")
    if request.method == "GET":
        values.update(url="http://127.0.0.1:5077", mode="single")
        return render_template("new_campaign.html", title="Ny kampanj", fields=FIELDS, values=values, modes=MODES)
    values["mode"] = request.form.get("mode", "single")
    values["approval"] = request.form.get("approval") == "ja"
    try:
        path = _write_campaign(values)
    except ConfigError as e:
        page = render_template(
            "new_campaign.html", title="Ny kampanj", fields=FIELDS, values=values, modes=MODES, error=str(e)
        )
        return page, 400
    flash(f"Kampanjfilen {path.name} är sparad och kontrollerad.")
    return redirect(url_for("steps.delivery", slug=path.stem))


def _write_campaign(values: dict) -> Path:
    folder = state()["workspaces"].folder
    stem = values["filnamn"].strip()
    if not SLUG.fullmatch(stem):
        raise ConfigError("Filnamn: använd bokstäver a–z, siffror, punkt, understreck och bindestreck.")
    path = folder / f"{stem}.toml"
    if path.exists():
        raise ConfigError(f"{path.name} finns redan i {folder}. Välj ett annat filnamn.")
    try:  # O_EXCL refuses any name that exists, a dangling link too; O_NOFOLLOW is the second lock
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError as e:
        raise ConfigError(f"{path.name} finns redan i {folder} (eller är en länk). Välj ett annat filnamn.") from e
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(campaign_toml(values))
    try:
        load_campaign(path)
    except ConfigError:
        path.unlink()
        raise
    return path


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def campaign_toml(v: dict) -> str:
    """The campaign file for the form's values (every text as a TOML basic string)."""
    s = json.dumps  # a JSON string (or list of strings) is a valid TOML basic string (or array)
    mode = v.get("mode") if v.get("mode") in MODES else "single"
    return f"""# Skriven av utskick ui. Lösenord står aldrig här: de anges i fönstret eller i miljövariablerna nedan.
[campaign]
name = {s(v["name"].strip(), ensure_ascii=False)}
bestallare = {s(v["bestallare"].strip(), ensure_ascii=False)}
contact_unreachable_otherwise = true

[campaign.ansvarig_avsandare]
name = {s(v["sender_name"].strip(), ensure_ascii=False)}
title = {s(v["sender_title"].strip(), ensure_ascii=False)}
unit = {s(v["sender_unit"].strip(), ensure_ascii=False)}

[message]
unit = {s(v["unit"].strip(), ensure_ascii=False)}
template = {s(v["template"].strip(), ensure_ascii=False)}
texts = {s(_lines(v["texts"]), ensure_ascii=False)}
extra_text = {s(v["extra_text"].strip(), ensure_ascii=False)}
attachments = {s(_lines(v["attachments"]), ensure_ascii=False)}

[sending]
mode = "{mode}"
workers = 1

[staff_tool]
url = {s(v["url"].strip(), ensure_ascii=False)}
session = "login"
hsa_id = {s(v["hsa_id"].strip(), ensure_ascii=False)}
password_env = "UTSKICK_PASSWORD"

[delivery]
password_env = "UTSKICK_7Z_PASSWORD"

[approval]
required = {"true" if v.get("approval") else "false"}
"""
