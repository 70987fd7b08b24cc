"""Fixtures for the mock's own tests: an app with a controllable clock and a logged-in staff client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_personalverktyg import create_app
from tests.mock.mock_kit import FakeClock, Staff


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_app(clock: FakeClock) -> Callable[..., Flask]:
    def make(**config) -> Flask:
        return create_app({"TESTING": True, "QA_ENABLED": True, "SECRET_KEY": "test", "CLOCK": clock, **config})

    return make


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def staff(client: FlaskClient) -> Staff:
    """Anna, logged in, in Vårdcentralen Centrum."""
    person = Staff(client)
    person.login()
    return person
