"""`utskick ui --campaigns DIR`: the case handler's window, served by waitress on 127.0.0.1 on a free port.

It prints (and opens in the browser) an address with a one-time token; the first browser to open it gets the
session, nobody else. Ctrl-C or SIGTERM stops the window: a run in progress is asked to stop after the current
citizen first, and the uploaded deliveries and preview screenshots are removed.
"""

from __future__ import annotations

import signal
import sys
import threading
import webbrowser
from pathlib import Path

import click

HOST = "127.0.0.1"
THREADS = 8  # each open live view holds one for at most 30 s


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
    from waitress import create_server

    from bot.private_files import private_dir
    from bot.secret_env import take_from_environment
    from bot.ui.app import create_app

    if not folder.is_dir():
        click.echo(f"Fel: mappen {folder} finns inte.", err=True)
        sys.exit(2)
    private_dir(folder, tighten=False)
    take_from_environment()  # the shell's passwords stay in memory, out of every thread's and child's environment
    app = create_app(folder)
    server = create_server(app, host=HOST, port=port, threads=THREADS, ident="utskick")
    bound = server.effective_port
    app.extensions["utskick"]["hosts"] = (f"{HOST}:{bound}", f"localhost:{bound}")
    url = f"http://{HOST}:{bound}/start/{app.extensions['utskick']['access'].token}"
    click.echo(f"utskick ui körs. Öppna (en gång, i en webbläsare): {url}", err=False)
    click.echo("Avsluta med Ctrl-C.", err=True)
    sys.stdout.flush()
    if not no_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # waitress ends its loop on KeyboardInterrupt
    try:
        server.run()
    finally:
        _shut_down(app)


def _shut_down(app) -> None:
    """Let a running job end after its current citizen, then remove every temporary file."""
    state = app.extensions["utskick"]
    job = state["jobs"].current
    if job is not None and job.running:
        job.stop()
        job.ended.wait(120)
    state["workspaces"].close()
    click.echo("utskick ui har stängts.", err=True)
