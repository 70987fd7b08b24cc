"""What every campaign screen shares: the steps in order, the campaign's workspace, and rendering with both."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from bot.errors import ConfigError, UtskickError
from bot.ui.access import state
from bot.ui.workspace import Workspace

STEPS = (
    ("steps.delivery", "Leverans"),
    ("steps.preview", "Förhandsgranskning"),
    ("steps.approval", "Godkännande"),
    ("send.send", "Skicka"),
    ("result.result", "Resultat"),
)


def workspace(slug: str) -> Workspace:
    """The campaign's workspace; 404 when no such campaign file is in the folder."""
    try:
        return state()["workspaces"].get(slug)
    except ConfigError as e:
        abort(404, str(e))


def render_step(ws: Workspace, endpoint: str, template: str, status: int = 200, **context):
    """Render a campaign screen with the steps, the current one marked; `status` for a refused form."""
    title = dict(STEPS)[endpoint]
    page = render_template(template, title=title, ws=ws, steps=STEPS, current=endpoint, **context)
    return page, status


def campaign_of(ws: Workspace, endpoint: str, template: str):
    """(the campaign file as it is now, None), or (None, the screen saying why it cannot be read)."""
    try:
        return ws.campaign(), None
    except UtskickError as e:
        return None, render_step(ws, endpoint, template, status=400, error=str(e), campaign=None)


def start_from_form(ws: Workspace, kind: str, operation, endpoint: str):
    """Start `operation(job, ws)` as the window's job, with the staff-tool password the form gave (or the one in
    memory): (a redirect to the screen, "") or (None, the Swedish reason it could not start)."""
    ws.staff_password = request.form.get("losenord") or ws.staff_password
    try:
        state()["jobs"].start(kind, ws.slug, lambda job: operation(job, ws))
    except UtskickError as e:
        return None, str(e)
    return redirect(url_for(endpoint, slug=ws.slug)), ""
