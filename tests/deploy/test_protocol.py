"""testkit.protocol, the websocket client the load bench drives a class with: it opens a real page like a
browser does, reruns it with the browser's message cache, reports a missing page, and stays on this machine."""

import asyncio

import pytest

from testkit.browser import streamlit_server
from testkit.protocol import ProtocolSession, ScriptFailed, stream_url


def test_only_loopback_addresses_are_driven():
    assert stream_url("http://127.0.0.1:8501") == "ws://127.0.0.1:8501/_stcore/stream"
    with pytest.raises(ValueError, match="only connect to this machine"):
        stream_url("http://example.org:8501")


def test_a_session_opens_and_reruns_a_page_and_a_missing_page_is_reported():
    async def drive(url):
        async with ProtocolSession(url, "latent_map") as session:
            opened, again = await session.run(), await session.run()
        async with ProtocolSession(url, "no_such_page") as missing:
            with pytest.raises(ScriptFailed, match="no page 'no_such_page'"):
                await missing.run()
        return opened, again

    with streamlit_server() as url:
        opened, again = asyncio.run(drive(url))
    assert opened.deltas > 50 and opened.bytes > 100_000  # the map, its figures and pictures
    # The rerun reports what it holds, as the browser does, and the large messages come as references.
    assert again.deltas > 50 and again.bytes < opened.bytes / 10
