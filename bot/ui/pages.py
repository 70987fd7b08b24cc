"""What every campaign screen shares: the steps in order, the campaign's workspace, and rendering with both."""

from __future__ import annotations

from flask import abort, render_template

from bot.errors import ConfigError
from bot.ui.app import state
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
