"""Mottagningens ärenden: Nya ärenden from citizens and Alla ärenden with filters and paging.

How Alla ärenden pages is the app's CASES_PAGING: "pages" (Nästa sida links), "load_more" (a Visa fler button
that appends the next page's rows) or "scroll" (the next page's rows are appended when the last row scrolls into
view). CASES_TABS False: no tabs; Mottagningens ärenden opens on Alla ärenden.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from mock_personalverktyg.models import CITIZEN, NEW_FROM_CITIZEN, READ, STAFF, UNREAD
from mock_personalverktyg.pnr import PnrRefused, parse
from mock_personalverktyg.security import scope_to_unit, state

bp = Blueprint("mottagning", __name__, url_prefix="/enhet/<unit_id>/mottagningens-arenden")
scope_to_unit(bp)

KINDS = {"alla": ("Alla", None), "varden": (STAFF, STAFF), "invanare": (CITIZEN, CITIZEN)}
STATUSES = {"alla": ("Alla", None), "olast": (UNREAD, UNREAD), "last": (READ, READ)}
FILTER_KEYS = ("arendetyp", "status", "personnummer", "fran", "till")


def _date(raw: str, errors: list[str], label: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(f"Ogiltigt datum i {label}: {raw}")
        return None


@bp.get("/")
def new():
    """Nya ärenden: what citizens have sent to the unit and nobody has handled yet (Alla ärenden without tabs)."""
    if not current_app.config["CASES_TABS"]:
        return redirect(url_for("mottagning.all_arenden"))
    found = state().query(g.unit.id, kind=CITIZEN, status=NEW_FROM_CITIZEN)
    return render_template("mottagning_new.html", arenden=found, tab="nya")


def search(unit_id: str, raw: dict, page: int, date_filters: bool = True) -> dict:
    """Alla ärenden's query: normalised filters, Swedish errors, and one page of PAGE_SIZE hits."""
    args = {key: str(raw.get(key, "") or "").strip() for key in FILTER_KEYS}
    if not date_filters:
        args["fran"] = args["till"] = ""
    args["arendetyp"] = args["arendetyp"] if args["arendetyp"] in KINDS else "alla"
    args["status"] = args["status"] if args["status"] in STATUSES else "alla"
    errors: list[str] = []
    pnr12 = None
    if args["personnummer"]:
        try:
            pnr12 = parse(args["personnummer"]).digits
        except PnrRefused as err:
            errors.append(f"{err} ({args['personnummer']})")
    date_from = _date(args["fran"], errors, "Från")
    date_to = _date(args["till"], errors, "Till")
    found = []
    if not errors:
        found = state().query(
            unit_id,
            kind=KINDS[args["arendetyp"]][1],
            status=STATUSES[args["status"]][1],
            pnr12=pnr12,
            date_from=date_from,
            date_to=date_to,
        )
    size = max(1, int(current_app.config["PAGE_SIZE"]))
    pages = max(1, -(-len(found) // size))
    page = min(max(page or 1, 1), pages)
    return {
        "args": args,
        "errors": errors,
        "arenden": found[(page - 1) * size : page * size],
        "total": len(found),
        "first": (page - 1) * size + 1,
        "page": page,
        "pages": pages,
    }


@bp.get("/alla")
def all_arenden():
    """Alla ärenden: filter on type, status, personnummer and dates; PAGE_SIZE rows a page."""
    found = search(g.unit.id, request.args, request.args.get("sida", 1, type=int))
    page, pages = found["page"], found["pages"]
    kept = _kept(found)
    paging = current_app.config["CASES_PAGING"]
    next_url = url_for("mottagning.all_arenden", **kept, sida=page + 1) if page < pages else None
    return render_template(
        "mottagning_all.html",
        tab="alla",
        tabs=current_app.config["CASES_TABS"],
        paging=paging,
        kinds=KINDS,
        statuses=STATUSES,
        **found,
        prev_url=url_for("mottagning.all_arenden", **kept, sida=page - 1) if page > 1 and paging == "pages" else None,
        next_url=next_url if paging == "pages" else None,
        more_url=_more_url(kept, page, pages) if paging != "pages" else None,
    )


@bp.get("/alla/rader")
def more_rows():
    """The rows of one more page of Alla ärenden (Visa fler, or a scroll), with the address of the page after."""
    found = search(g.unit.id, request.args, request.args.get("sida", 1, type=int))
    more_url = _more_url(_kept(found), found["page"], found["pages"])
    return render_template("_arende_more.html", **found, more_url=more_url)


def _kept(found: dict) -> dict:
    return {k: v for k, v in found["args"].items() if v and v != "alla"}


def _more_url(kept: dict, page: int, pages: int) -> str | None:
    return url_for("mottagning.more_rows", **kept, sida=page + 1) if page < pages else None
