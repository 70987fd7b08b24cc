"""Mallar för invånarärenden (lokal administratör only): list, create, edit, activate, copy national ones."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from mock_personalverktyg.models import Template
from mock_personalverktyg.security import scope_to_unit, state
from mock_personalverktyg.store import Refused

bp = Blueprint("mallar", __name__, url_prefix="/enhet/<unit_id>/mallar")
scope_to_unit(bp)

KIND_TITLES = {"information": "Mall med information", "fragor": "Mall med frågor", "tom": "Tom mall"}
NO_NAME = "Namn på ärendetypen måste fyllas i"
NO_INSTRUCTION = "Instruktion till ärendehanteraren måste fyllas i"
MAX_SLOTS = 20


@bp.before_request
def _only_local_admin():
    if not g.user.is_local_admin:
        abort(403)


@bp.get("/")
def index():
    """The unit's templates with status, and the ways to create one."""
    return render_template(
        "mallar_list.html", templates=state().unit_templates(g.unit.id), saved=request.args.get("sparad")
    )


def _from_form(template: Template) -> tuple[Template, int]:
    form = request.form
    slots = min(max(form.get("antal", 0, type=int), 0), MAX_SLOTS)
    texts = []
    for i in range(1, slots + 1):
        text = form.get(f"text_{i}", "").strip()
        name = form.get(f"text_namn_{i}", "").strip()
        if template.kind == "fragor":
            name = f"Fråga {i}"
        if text or name:
            texts.append((name or f"Text {i}", text))
    template.name = form.get("namn", "").strip()
    template.texts = texts
    template.instruction = form.get("instruktion", "").strip()
    template.active = form.get("aktiv") == "on"
    return template, slots


def _errors(template: Template) -> list[str]:
    errors = []
    if not template.name:
        errors.append(NO_NAME)
    elif any(t.name == template.name and t.id != template.id for t in state().unit_templates(g.unit.id)):
        errors.append(f"Det finns redan en mall med namnet {template.name}")
    if not template.instruction:
        errors.append(NO_INSTRUCTION)
    return errors


def _edit(template: Template, slots: int):
    errors: list[str] = []
    if request.method == "POST":
        template, slots = _from_form(template)
        if request.form.get("action") == "fler":
            slots = min(slots + 1, MAX_SLOTS)
        else:
            errors = _errors(template)
            if not errors:
                state().save_template(g.unit.id, template)
                return redirect(url_for("mallar.index", sparad=template.name))
    slots = max(slots, len(template.texts))
    status = 400 if errors else 200
    return render_template(
        "mallar_form.html", template=template, slots=slots, title=KIND_TITLES[template.kind], errors=errors
    ), status


@bp.route("/ny", methods=["GET", "POST"])
def create():
    """Skapa mall med information / med frågor / Tom mall (`?typ=information|fragor|tom`)."""
    kind = request.args.get("typ", "information")
    if kind not in KIND_TITLES:
        abort(404)
    blank = Template(id="", unit=g.unit.id, name="", kind=kind, texts=[], instruction="", active=False)
    return _edit(blank, 0 if kind == "tom" else 3 if kind == "information" else 2)


@bp.route("/<template_id>", methods=["GET", "POST"])
def edit(template_id: str):
    """Edit a template of the unit (activate it with Aktivera mall)."""
    template = state().template(g.unit.id, template_id)
    if template is None:
        abort(404)
    return _edit(template, len(template.texts))


@bp.get("/nationella")
def national():
    """Search national and regional templates."""
    query = request.args.get("q", "")
    return render_template("mallar_national.html", query=query, results=state().search_national(query))


@bp.post("/nationella/<national_id>")
def use_national(national_id: str):
    """Använd mall: copy it into the unit, inactive, and open it for review."""
    try:
        copied = state().copy_national(g.unit.id, national_id)
    except Refused:
        abort(404)
    return redirect(url_for("mallar.edit", template_id=copied.id, kopierad=1))
