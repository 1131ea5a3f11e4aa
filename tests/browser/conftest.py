"""Fixtures of the Chromium tests."""

import pytest

from testkit.browser import require_chromium, streamlit_server


@pytest.fixture(scope="module")
def server():
    """A real `streamlit run` of the app on a free port, shared by one test module's tests."""
    require_chromium()
    with streamlit_server() as url:
        yield url
