"""The window under what other local users can do without a password (issue 24, finding 7): 110 idle TCP
connections and eight open progress streams while a job runs; the window, served by its real waitress server
over HTTP, still answers at once."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from bot.ui.app import create_app
from bot.ui.server import build_server

HOST = "utskick-test.localhost"
ANSWER_S = 5


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    app = create_app(folder)
    server = build_server(app, 0)
    host = f"{HOST}:{server.effective_port}"
    app.extensions["utskick"]["hosts"] = (host,)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    client = requests.Session()
    client.headers["Host"] = host
    base = f"http://127.0.0.1:{server.effective_port}"
    start = client.get(f"{base}/start/{app.extensions['utskick']['access'].token}", allow_redirects=False)
    assert start.status_code == 200
    client.headers["Cookie"] = start.headers["Set-Cookie"].split(";")[0]  # requests files it under 127.0.0.1
    yield app, base, client
    for channel in list(server._map.values()):  # the loop ends when its map is empty
        channel.close()
    server.task_dispatcher.shutdown()
    thread.join(10)
    assert not thread.is_alive()


def test_window_should_answer_with_110_idle_connections_open(served):
    _, base, client = served
    idle = [socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=5) for _ in range(110)]
    try:
        fresh = requests.get(f"{base}/", headers=dict(client.headers), timeout=ANSWER_S)  # a new connection
        assert fresh.status_code == 200
    finally:
        for s in idle:
            s.close()


def test_window_should_answer_with_eight_progress_streams_open_while_a_job_runs(served, tmp_path):
    app, base, client = served
    folder = app.extensions["utskick"]["workspaces"].folder
    (folder / "kampanj.toml").write_text("[campaign]\n", encoding="utf-8")
    release = threading.Event()
    app.extensions["utskick"]["jobs"].start("run", "kampanj", lambda job: release.wait(60))
    streams = [client.get(f"{base}/kampanj/kampanj/handelser", stream=True, timeout=ANSWER_S) for _ in range(8)]
    try:
        assert all(s.status_code == 200 for s in streams)
        assert client.get(f"{base}/", timeout=ANSWER_S).status_code == 200
    finally:
        release.set()
        for s in streams:
            s.close()
