"""Välj mottagning: the units the user has a permission for."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from mock_personalverktyg.security import state

bp = Blueprint("units", __name__)


@bp.get("/valj-mottagning")
def choose():
    """List one button per permitted unit."""
    units = [state().seed.units[u] for u in g.user.units if u in state().seed.units]
    return render_template("units.html", units=units)


@bp.post("/valj-mottagning")
def chosen():
    """Remember the chosen unit and open Mina ärenden there."""
    unit = state().seed.units.get(request.form.get("unit", ""))
    if unit is None:
        abort(404)
    if unit.id not in g.user.units:
        abort(403)
    session["unit"] = unit.id
    return redirect(url_for("arenden.mine", unit_id=unit.id))
