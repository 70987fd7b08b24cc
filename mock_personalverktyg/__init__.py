"""Flask mock of the 1177 staff tool "Personalverktyget" (app factory, like Flask's flaskr tutorial).

Config keys (`test_config` overrides): SECRET_KEY, TESTING, QA_ENABLED (False), CHECK_DELAY_MS (0),
SESSION_TIMEOUT_S (1800), MAX_ATTACHMENT_BYTES (10 MB), SEED_PATH (None: the bundled seed), PAGE_SIZE (50),
FAULTS (None: same shape as `PUT /__qa__/faults`), CLOCK (`time.time`, injectable), SLEEP (`time.sleep`),
SKIN ("classic": server-rendered pages; "spa": one client-rendered page over a JSON API; "modern": a
component-library build over the same JSON API with other interactions; see README.md),
CASES_PAGING ("pages": Nästa sida; "load_more": a Visa fler button; "scroll": rows added as the last one scrolls
into view) and CASES_TABS (True; False: Mottagningens ärenden has no tabs and shows Alla ärenden), classic skin.
"""

from __future__ import annotations

import secrets
import time

from flask import Flask
from jinja2 import BytecodeCache

from mock_personalverktyg.seed import load_seed
from mock_personalverktyg.store import MockState

DEFAULTS = {
    "QA_ENABLED": False,
    "CHECK_DELAY_MS": 0,
    "SESSION_TIMEOUT_S": 1800,
    "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    "SEED_PATH": None,
    "PAGE_SIZE": 50,
    "FAULTS": None,
    "CLOCK": time.time,
    "SLEEP": time.sleep,
    "SKIN": "classic",
    "PORTAL": False,  # True: /portal shows the tool in an iframe of a portal page (portal.py)
    "CASES_PAGING": "pages",
    "CASES_TABS": True,
}
SKINS = ("classic", "spa", "modern")
CASES_PAGINGS = ("pages", "load_more", "scroll")


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app in the process (tests build many apps)."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()


def create_app(test_config: dict | None = None) -> Flask:
    """Build a mock staff tool with its own state, seeded from the seed file."""
    from mock_personalverktyg import (
        api,
        arenden,
        auth,
        errors,
        mallar,
        modern,
        mottagning,
        portal,
        qa,
        security,
        spa,
        spa_api,
        units,
    )

    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": _BYTECODE}
    app.config.from_mapping(SECRET_KEY=secrets.token_hex(32), **DEFAULTS)
    if test_config:
        app.config.update(test_config)
    if app.config["SKIN"] not in SKINS:
        raise ValueError(f"SKIN måste vara en av {SKINS}, inte {app.config['SKIN']!r}")
    if app.config["CASES_PAGING"] not in CASES_PAGINGS:
        raise ValueError(f"CASES_PAGING måste vara en av {CASES_PAGINGS}, inte {app.config['CASES_PAGING']!r}")
    # Leave room above the attachment limit so an oversized file gets the tool's own message.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_ATTACHMENT_BYTES"] + 1024 * 1024

    app.extensions["personalverktyg"] = MockState(
        load_seed(app.config["SEED_PATH"]),
        clock=lambda: app.config["CLOCK"](),
        faults=app.config["FAULTS"],
    )
    security.install(app)
    errors.install(app)
    if app.config["SKIN"] == "spa":
        # The login stays a server form (the real tool logs in with SITHS outside the single page).
        pages, app.config["HOME_ENDPOINT"] = (auth.bp, spa.bp, spa.api_bp, spa_api.bp), "spa.shell"
    elif app.config["SKIN"] == "modern":
        # The spa's JSON API under another front end (the spa's own page, /app/, is not served).
        pages, app.config["HOME_ENDPOINT"] = (auth.bp, modern.bp, spa.api_bp, spa_api.bp), "modern.shell"
    else:
        modules = (auth, units, arenden, api, mottagning, mallar)
        pages, app.config["HOME_ENDPOINT"] = tuple(m.bp for m in modules), "units.choose"
    for blueprint in pages:
        app.register_blueprint(blueprint)
    if app.config["PORTAL"]:
        app.register_blueprint(portal.bp)
    if app.config["QA_ENABLED"]:
        app.register_blueprint(qa.bp)
    return app
