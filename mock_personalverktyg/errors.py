"""Plain Swedish error pages (JSON for the fetch API)."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from mock_personalverktyg.attachments import too_large_message

PAGES = {
    400: ("Ogiltig begäran", "Formuläret var inte giltigt eller har gått ut. Ladda om sidan och försök igen."),
    403: ("Behörighet saknas", "Du har inte behörighet till den här sidan eller mottagningen."),
    404: ("Sidan finns inte", "Sidan du sökte finns inte eller har tagits bort."),
    405: ("Otillåten begäran", "Sidan kan inte användas på det sättet."),
    413: ("För stor fil", "Filen är för stor för att skickas."),
    500: ("Tekniskt fel", "Ett tekniskt fel uppstod. Försök igen om en stund."),
    504: ("Gateway Timeout", "Svaret från servern dröjde för länge. Det är inte säkert om åtgärden genomfördes."),
}


def error_page(code: int):
    """Render the Swedish page for an HTTP error code."""
    title, text = PAGES.get(code, PAGES[500])
    if request.path.startswith("/api/") or request.path.startswith("/__qa__/"):
        if code == 413:
            title = too_large_message(current_app.config["MAX_ATTACHMENT_BYTES"])
        return jsonify(error=title, status=code), code
    return render_template("error.html", code=code, title=title, text=text), code


def install(app: Flask) -> None:
    """Register the handlers for every HTTP error."""

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        return error_page(err.code or 500)
