"""Regionportalen: a portal page that shows the staff tool in an iframe, as some regions' intranets do (only when
the app is created with PORTAL = True). The page is the region's, not the tool's: it needs no login of its own;
the tool inside the frame asks for one as usual."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("portal", __name__)


@bp.get("/portal/")
def portal():
    """The portal page: a header, a navigation and the staff tool's start page in an iframe."""
    return render_template("portal.html")
