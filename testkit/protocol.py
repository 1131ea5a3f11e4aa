"""A Streamlit session driven at the protocol level: a websocket client speaking Streamlit's own messages
(`streamlit.proto` BackMsg / ForwardMsg), as the browser's frontend does, without a browser. Thirty Chromium
tabs on two cores measure the browsers; thirty of these measure the server.

What it does like the frontend: it opens `/_stcore/stream` with the "streamlit" subprotocol, asks for a page
with a `rerun_script` BackMsg, reads ForwardMsgs until `script_finished`, and reports the hashes of the
cacheable messages it has received on every later rerun, so the server sends a reference instead of a message
the browser already holds. What it does not: run components' JavaScript, fetch media, or send widget values
(a rerun is a full rerun with every widget at its session value).
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_MESSAGE_BYTES = 64 * 2**20


class ScriptFailed(RuntimeError):
    """The page's run ended in an error, or the page does not exist."""


def stream_url(base: str) -> str:
    """ws://host:port/_stcore/stream for an http://host:port base; only loopback addresses (a load never
    leaves this machine)."""
    parts = urllib.parse.urlsplit(base)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"protocol sessions only connect to this machine (127.0.0.1), not {parts.hostname!r}")
    return urllib.parse.urlunsplit(("ws", parts.netloc, parts.path.rstrip("/") + "/_stcore/stream", "", ""))


@dataclass
class Run:
    """One script run as the session saw it."""
    seconds: float
    messages: int
    bytes: int
    deltas: int


@dataclass
class ProtocolSession:
    base_url: str
    page: str = ""  # the page's URL path ("latent_map"); "" is the home page
    cookie: str | None = None  # sent on the websocket's handshake, as a browser sends its cookies
    cached: set[str] = field(default_factory=set)
    runs: list[Run] = field(default_factory=list)
    auto_reruns: dict[str, float] = field(default_factory=dict)  # fragment id -> interval (st.fragment(run_every))
    page_hash: str = ""
    texts: list[str] = field(default_factory=list)  # the markdown of the last run, for a bench to read
    kinds: list[str] = field(default_factory=list)  # every ForwardMsg's kind, in order, for a failure's message

    async def __aenter__(self) -> ProtocolSession:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self._ws = await websockets.connect(stream_url(self.base_url), subprotocols=["streamlit"],
                                            max_size=MAX_MESSAGE_BYTES, additional_headers=headers,
                                            open_timeout=60)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._ws.close()

    async def run(self, timeout: float = 120.0) -> Run:
        """Ask for the page (the first call opens it, later calls rerun it) and wait until its run ends."""
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.cached_message_hashes.extend(sorted(self.cached))
        return await self._send_and_read(msg, timeout)

    async def poll(self, fragment_id: str, timeout: float = 60.0) -> Run:
        """What the browser's timer does for st.fragment(run_every=...): rerun that fragment alone. When the
        fragment asks for a full rerun (st.rerun(scope="app")), this waits for that run too."""
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.fragment_id = fragment_id
        msg.rerun_script.is_auto_rerun = True
        msg.rerun_script.cached_message_hashes.extend(sorted(self.cached))
        return await self._send_and_read(msg, timeout)

    async def _send_and_read(self, msg: BackMsg, timeout: float) -> Run:
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        count = size = deltas = 0
        texts: list[str] = []
        while True:
            remaining = timeout - (time.perf_counter() - start)
            if remaining <= 0:
                raise TimeoutError(f"the page {self.page or 'home'} did not finish within {timeout:.0f} s")
            raw = await _recv(self._ws, remaining)
            count, size = count + 1, size + len(raw)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            self.kinds.append(kind if kind != "script_finished" else f"finished {fm.script_finished}")
            if fm.metadata.cacheable and fm.hash:
                self.cached.add(fm.hash)
            if kind == "delta":
                deltas += 1
                element = fm.delta.new_element if fm.delta.WhichOneof("type") == "new_element" else None
                if element is not None and element.WhichOneof("type") == "exception":
                    raise ScriptFailed(f"the page {self.page or 'home'} showed an exception: "
                                       f"{element.exception.message}")
                if element is not None and element.WhichOneof("type") == "markdown":
                    texts.append(element.markdown.body)
            elif kind == "new_session" and not self.page_hash:
                self.page_hash = fm.new_session.page_script_hash
            elif kind == "navigation" and fm.navigation.page_script_hash:
                self.page_hash = fm.navigation.page_script_hash  # the page st.navigation ran, not the router
            elif kind == "auto_rerun":
                self.auto_reruns[fm.auto_rerun.fragment_id] = fm.auto_rerun.interval
            elif kind == "page_not_found":
                raise ScriptFailed(f"no page {self.page!r}")
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # a rerun the script asked for follows on the same stream
                if fm.script_finished not in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                              ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    raise ScriptFailed(f"the run of {self.page or 'home'} ended with status {fm.script_finished}")
                run = Run(time.perf_counter() - start, count, size, deltas)
                self.runs.append(run)
                if texts:
                    self.texts = texts
                return run


async def _recv(ws, timeout: float) -> bytes:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    return raw if isinstance(raw, bytes) else raw.encode()
