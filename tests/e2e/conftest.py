"""Fixtures for end-to-end runs against the live mock (the helpers they use are in tests/helpers.py).

The mock's skin is "classic" unless a test asks for another: `@pytest.mark.parametrize("mock_skin", ["spa"],
indirect=True)` (see `mock_skin` in tests/conftest.py); `live_mock`, `base_url` and `qa` then serve that skin.
"""

from __future__ import annotations

import pytest

from tests.helpers import QA


@pytest.fixture
def qa(live_mock) -> QA:
    """The QA API of a freshly reset mock; faults cleared afterwards."""
    client = QA(live_mock.url)
    client.reset()
    yield client
    client.faults()
