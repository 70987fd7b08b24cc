"""The window lends a password to the environment only for the call that needs it, and puts back what was there."""

from __future__ import annotations

import os

import pytest

from bot.ui.secrets import SecretConflict, lent_to_environment

NAME = "UTSKICK_TEST_LENT_PASSWORD"


def test_lent_password_should_be_there_only_while_lent(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    with lent_to_environment({NAME: "hemligt"}):
        assert os.environ[NAME] == "hemligt"
        with lent_to_environment({NAME: "hemligt"}):  # a second call with the same value shares it
            assert os.environ[NAME] == "hemligt"
        assert os.environ[NAME] == "hemligt"
    assert NAME not in os.environ


def test_lent_password_should_put_back_the_value_that_was_set_before(monkeypatch):
    monkeypatch.setenv(NAME, "från-skalet")
    with lent_to_environment({NAME: "från-fönstret"}):
        assert os.environ[NAME] == "från-fönstret"
    assert os.environ[NAME] == "från-skalet"
    with lent_to_environment({NAME: ""}):  # nothing typed: the environment's own value is used
        assert os.environ[NAME] == "från-skalet"


def test_two_different_values_at_once_should_be_refused(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    with lent_to_environment({NAME: "ett"}):
        with pytest.raises(SecretConflict):
            lent_to_environment({NAME: "två"}).__enter__()
        assert os.environ[NAME] == "ett"
    assert NAME not in os.environ
