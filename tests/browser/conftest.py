"""Fixtures of the Chromium tests."""

import pytest

from testkit.browser import require_chromium, shared_server


@pytest.fixture(scope="module")
def server():
    """A real `streamlit run` of the app on a free port, shared by every test that only reads."""
    require_chromium()
    with shared_server() as url:
        yield url
