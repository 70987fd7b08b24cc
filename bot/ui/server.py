"""`utskick ui --campaigns DIR`: the case handler's window, served by waitress on 127.0.0.1 on a free port.

The window answers only under a host name of its own, `utskick-<random>.localhost` (browsers resolve every
`*.localhost` name to this machine): cookies ignore ports but not host names, so no other local server gets or
replaces the window's cookie. Its one-time address is written to an owner-only redirect file (0600 in a 0700
folder) and the browser is started with that file, as Jupyter does: no process's arguments ever hold the token.
The terminal shows the address too; Enter there makes a new one-time address and ends the old session (the way
back in when a cookie is lost or a link was taken). Ctrl-C, SIGTERM or a closed terminal (SIGHUP) stops the
window: a run in progress is asked to stop after the current citizen first, and the uploaded deliveries, preview
screenshots and the redirect file are removed; a start also removes this user's folders a dead window left.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import threading
import webbrowser
from html import escape
from pathlib import Path

import click

HOST = "127.0.0.1"
THREADS = 8  # a progress stream holds one only while it writes one snapshot
CONNECTION_LIMIT = 1000  # idle connections of other local users must not lock the window (waitress: 100)
CHANNEL_TIMEOUT_S = 30  # an idle connection is closed after this long
OPENER = "oppna-utskick.html"


@click.command("ui")
@click.option(
    "--campaigns",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Mappen med kampanjfilerna (*.toml).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port på 127.0.0.1 (0: en ledig port).")
@click.option("--no-browser", is_flag=True, help="Öppna inte webbläsaren; adressen skrivs ut.")
def ui(folder: Path, port: int, no_browser: bool) -> None:
    """Öppna fönstret för ärendehanteraren: kampanjer, leverans, förhandsgranskning, godkännande, utskick."""
    from bot.private_files import private_tempdir, sweep_stale_tempdirs
    from bot.secret_env import take_from_environment
    from bot.ui.app import create_app

    if not folder.is_dir():
        click.echo(f"Fel: mappen {folder} finns inte.", err=True)
        sys.exit(2)
    sweep_stale_tempdirs()
    take_from_environment()  # the shell's passwords stay in memory, out of every thread's and child's environment
    app = create_app(folder)
    server = build_server(app, port)
    host = f"utskick-{secrets.token_hex(4)}.localhost:{server.effective_port}"
    app.extensions["utskick"]["hosts"] = (host,)
    own = private_tempdir("ui")
    window = Opener(app, host, own / OPENER, browser=not no_browser)
    click.echo("Avsluta med Ctrl-C. Tryck Enter för en ny länk (den gamla slutar då att gälla).", err=True)
    window.open_new_link()
    threading.Thread(target=window.renew_on_enter, name="utskick-ui-enter", daemon=True).start()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # waitress ends its loop on KeyboardInterrupt
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.default_int_handler)  # the terminal was closed
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        _shut_down(app)
        shutil.rmtree(own, ignore_errors=True)


def build_server(app, port: int = 0):
    """The waitress server of the window on 127.0.0.1 (`port` 0: a free one)."""
    from waitress import create_server

    return create_server(
        app,
        host=HOST,
        port=port,
        threads=THREADS,
        connection_limit=CONNECTION_LIMIT,
        channel_timeout=CHANNEL_TIMEOUT_S,
        asyncore_use_poll=True,  # select() cannot watch more than 1024 sockets
        ident="utskick",
    )


class Opener:
    """The one-time address: in the owner-only redirect file, on the terminal, and in the browser via the file."""

    def __init__(self, app, host: str, path: Path, *, browser: bool) -> None:
        self.access = app.extensions["utskick"]["access"]
        self.host, self.path, self.browser = host, path, browser
        self._lock = threading.Lock()

    def open_new_link(self, renew: bool = False) -> None:
        """Write the redirect file for the (new) token, show the address, open the browser with the file."""
        with self._lock:
            token = self.access.renew() if renew else self.access.token
            url = f"http://{self.host}/start/{token}"
            _write_private(self.path, _redirect_page(url))
            click.echo(f"utskick ui körs. Öppna (en gång, i en webbläsare): {url}")
            click.echo(f"Samma länk finns i filen {self.path.as_uri()} (bara du kan läsa den).", err=True)
            sys.stdout.flush()
            if self.browser:  # the argument is the file, never the token
                threading.Thread(target=webbrowser.open, args=(self.path.as_uri(),), daemon=True).start()

    def renew_on_enter(self) -> None:
        """Each Enter in the terminal: a new link (the old one and its session end); stops at end of input."""
        for _ in sys.stdin:
            self.open_new_link(renew=True)


def _redirect_page(url: str) -> str:
    link = escape(url, quote=True)
    return (
        '<!doctype html>\n<html lang="sv"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={link}"><title>utskick</title></head>'
        f'<body><p><a href="{link}">Öppna utskick</a></p></body></html>\n'
    )


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by this user only, replacing the file in one step."""
    fresh = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(fresh, path)


def _shut_down(app) -> None:
    """Let a running job end after its current citizen, then remove every temporary file."""
    state = app.extensions["utskick"]
    job = state["jobs"].current
    if job is not None and job.running:
        job.stop()
        job.ended.wait(120)
    state["workspaces"].close()
    click.echo("utskick ui har stängts.", err=True)
