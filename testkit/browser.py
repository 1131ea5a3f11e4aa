"""A real `streamlit run` on a free port and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", REPO / "tests" / "artifacts"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (apt-get install chromium; see README)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """A `streamlit run` that a test can stop with SIGTERM, as a deploy or a shutdown would, and start again on
    the same port, with the same environment (the same data directory)."""

    def __init__(self, script: str = "streamlit_app.py", port: int | None = None) -> None:
        self.script, self.port = script, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = ""

    def start(self, timeout: float = 90.0) -> str:
        cmd = [sys.executable, "-m", "streamlit", "run", self.script, "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return self.url
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"streamlit did not become healthy:\n{self.proc.stdout.read()}")
            time.sleep(0.3)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for the process to exit; returns its exit code."""
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.log += out or ""
        return self.proc.returncode

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.terminate(timeout=10)


@contextmanager
def streamlit_server(script: str = "streamlit_app.py", timeout: float = 90.0):
    server = StreamlitServer(script)
    try:
        yield server.start(timeout)
    finally:
        server.stop()


_SHARED: StreamlitServer | None = None


@contextmanager
def shared_server(timeout: float = 90.0):
    """The app's `streamlit run`, shared by every test that only reads (one start and one set of warm caches for
    the whole session instead of one a test: most of the browser tests' time was servers starting cold). Each
    test still gets a fresh browser context, so a new visitor. Tests that train, restart the server or change
    its environment start their own with streamlit_server(). Restarted if a test left it dead."""
    global _SHARED
    if _SHARED is None or _SHARED.proc is None or _SHARED.proc.poll() is not None:
        _SHARED = StreamlitServer()
        _SHARED.start(timeout)
        atexit.register(_SHARED.stop)
    yield _SHARED.url


@contextmanager
def chromium_page(viewport=(1400, 1000)):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            yield page
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# The app's root element says whether a script run is in progress ("initial", "running", "notRunning", ...).
# The header's status widget is no use: toolbarMode = "minimal" never draws it.
NO_BUSY = "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'"


def settled_box(page, locator, timeout_s: float = 20.0) -> dict:
    """The element's bounding box once the page is idle and the box has stopped moving: a press aimed at a
    box read while formulas or images above it were still laying out lands somewhere else (a drag on the
    traversal page saw no change at all on a loaded CI machine)."""
    page.wait_for_function(NO_BUSY, timeout=120_000)
    locator.scroll_into_view_if_needed()
    deadline = time.monotonic() + timeout_s
    box = locator.bounding_box()
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        again = locator.bounding_box()
        if again == box and box is not None:
            return box
        box = again
    raise AssertionError(f"the element kept moving for {timeout_s} s: {box}")


def draw_a_one(page) -> None:
    """A vertical stroke on the drawing pad. Waits until the pad's script has run (it marks the canvas
    `data-ready`) and the page is idle: a stroke made before the handlers are attached is lost, which is
    what a loaded CI machine showed."""
    canvas = page.locator("canvas[data-ready]").first
    canvas.wait_for(timeout=60_000)
    box = settled_box(page, canvas)
    assert box["width"] > 200
    x, y = box["x"] + box["width"] / 2, box["y"] + 0.15 * box["height"]
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x + step * 0.5, y + step * 0.035 * box["height"])
    page.mouse.up()


def open_option(page, picker, name: str, attempts: int = 3, timeout_ms: int = 20_000):
    """Open a selectbox and wait for its option `name`; returns the option. A rerun that lands while the list is
    open redraws the selectbox and closes the list, so the picker is opened again (up to `attempts` times)."""
    option = page.get_by_role("option", name=name)
    for attempt in range(attempts):
        page.wait_for_function(NO_BUSY, timeout=120_000)
        picker.click()
        try:
            option.wait_for(timeout=timeout_ms)
            return option
        except Exception:  # Playwright's TimeoutError: open it again, unless this was the last try
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
    return option
