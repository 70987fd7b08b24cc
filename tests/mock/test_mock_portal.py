"""Regionportalen (PORTAL = True): a portal page that shows the staff tool in an iframe, in every skin; and the
tool may be framed by pages of its own origin only."""

from __future__ import annotations

import pytest

from mock_personalverktyg import SKINS
from mock_personalverktyg.__main__ import parse_args


@pytest.mark.parametrize("skin", SKINS)
def test_portal_should_show_the_tool_in_an_iframe_without_a_login_of_its_own(make_app, skin):
    response = make_app(PORTAL=True, SKIN=skin).test_client().get("/portal/")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Regionportalen</h1>" in page and '<nav aria-label="Portalmeny">' in page
    assert '<iframe id="personalverktyget" title="Personalverktyget" src="/"></iframe>' in page


def test_portal_should_be_absent_unless_configured(client):
    assert client.get("/portal/").status_code == 404


@pytest.mark.parametrize("path", ["/login", "/portal/"])
def test_every_page_should_allow_framing_by_its_own_origin_only(make_app, path):
    response = make_app(PORTAL=True).test_client().get(path)

    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_cli_should_offer_the_portal_off_by_default():
    assert parse_args([]).portal is False and parse_args(["--portal"]).portal is True
