"""The mock's own security: no open redirect after login, and a loud warning whenever the QA API is on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.mock.mock_kit import ANNA, Staff


@pytest.mark.parametrize(
    "next_url",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example/x",
        "/ /evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "/\x00/evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_should_never_redirect_off_the_site(client, next_url):
    response = Staff(client).login(ANNA, next_url=next_url)

    assert response.status_code == 302
    assert response.location == "/valj-mottagning"


def test_login_page_should_not_carry_a_refused_next_into_its_form(client):
    page = client.get("/login", query_string={"next": "/\t/evil.example"}).text
    assert "evil.example" not in page


def _startup_stderr(*flags: str) -> str:
    command = [sys.executable, "-m", "mock_personalverktyg", "--port", "0", *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "körs på" in process.stdout.readline()
        process.stdout.readline()
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    return err


@pytest.mark.slow
def test_mock_should_warn_at_start_when_the_qa_api_is_on():
    err = _startup_stderr()
    assert "VARNING" in err and "/__qa__/" in err and "--production" in err


@pytest.mark.slow
def test_mock_should_not_warn_when_started_with_production():
    assert "VARNING" not in _startup_stderr("--production")
