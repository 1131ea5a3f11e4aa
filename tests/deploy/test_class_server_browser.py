"""End to end through the documented launcher: `deploy/class-server --replicas 2` starts two Streamlit replicas
and nginx on free loopback ports, and Chromium, through the proxy only, clicks the latent map on one replica,
uploads a photo on the other (the multi-replica upload failure of streamlit #2936 / #9976), trains a short run
through the first and finds the model listed through the second, checks in nginx's
access log that each browser stayed on its replica, then stops one replica and sees its student reconnected to
the other, which still serves."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deploy.class_server import ROUTE_COOKIE, free_port
from testkit import REPO
from testkit.browser import CHROMIUM, CHROMIUM_ARGS, NO_BUSY, open_option, require_chromium
from testkit.latent_map import DECODED_TEXT, TO_PIXELS, wait_click_ready
from testkit.upload import upload, wait_for_results

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="no nginx")]

# Streamlit's root element carries its connection state (CONNECTED, PINGING_SERVER, CONNECTING, ...).
WATCH_CONNECTION = """() => { const app = document.querySelector('[data-testid=stApp]');
  window.__states = [app.dataset.testConnectionState];
  new MutationObserver(() => window.__states.push(app.dataset.testConnectionState))
    .observe(app, {attributes: true, attributeFilter: ['data-test-connection-state']}); }"""
SERVING = re.compile(r"serving on (http://\S+) with 2 replica\(s\) \(ports (\d+), (\d+)\)")


def _launch(run_dir: Path):
    port = free_port()
    proc = subprocess.Popen([str(REPO / "deploy" / "class-server"), "--replicas", "2",
                             "--port", str(port), "--address", "127.0.0.1", "--run-dir", str(run_dir)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines = []
    for line in proc.stdout:  # the launcher prints this line once every replica and nginx are healthy
        lines.append(line)
        if m := SERVING.search(line):
            return proc, m.group(1), [int(m.group(2)), int(m.group(3))]
    raise AssertionError("the launcher ended before serving:\n" + "".join(lines))


def _log(run_dir: Path) -> list[tuple[str, str, str]]:
    """(request line, upstream, route) of every request nginx has logged."""
    text = (run_dir / "access.log").read_text()
    return re.findall(r'"([^"]*)" \d+ upstream=(\S+) route=(\S+)', text)


def _cookie_for(url: str, run_dir: Path, replica_port: int) -> str:
    """A route cookie nginx itself handed out that hashes to the wanted replica (new visitors are routed at
    random, so ask as a new visitor until one lands there)."""
    for _ in range(200):
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            cookies = " ".join(r.headers.get_all("Set-Cookie") or [])  # Streamlit sets its XSRF cookie too
            value = re.search(rf"{ROUTE_COOKIE}=([0-9a-f]+)", cookies).group(1)
        time.sleep(0.05)  # nginx writes the log line after the response
        if any(route == value and up.endswith(f":{replica_port}") for _, up, route in _log(run_dir)):
            return value
    raise AssertionError(f"no route cookie reached the replica on port {replica_port}")


def _context(browser, url: str, cookie: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 2000})
    ctx.add_cookies([{"name": ROUTE_COOKIE, "value": cookie, "url": url}])
    return ctx


def _photo(tmp_path: Path) -> Path:
    one = np.full((300, 240), 230, np.uint8)
    one[40:260, 110:135] = 25
    Image.fromarray(one).save(tmp_path / "one.png")
    return tmp_path / "one.png"


def _upstreams(run_dir: Path, route: str) -> set[str]:
    return {up for _, up, r in _log(run_dir) if r == route}


def test_two_replicas_behind_nginx_serve_a_class_and_survive_one_stopping(tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    run_dir = tmp_path / "run"
    launcher, url, ports = _launch(run_dir)
    try:
        a_cookie, b_cookie = _cookie_for(url, run_dir, ports[0]), _cookie_for(url, run_dir, ports[1])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            a_ctx, b_ctx = _context(browser, url, a_cookie), _context(browser, url, b_cookie)
            a, b = a_ctx.new_page(), b_ctx.new_page()

            # Student A, on replica 1: a click on the latent map, decoded by the server.
            a.goto(f"{url}/latent_map", wait_until="domcontentloaded")
            a.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=180_000)
            wait_click_ready(a, timeout_ms=180_000)
            a.mouse.click(*a.evaluate(TO_PIXELS, [3.0, -3.0]))
            a.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=60_000)

            # Student B, on replica 2: an upload (its file and the media it makes must reach B's replica).
            b.goto(f"{url}/upload", wait_until="domcontentloaded")
            b.get_by_text("Upload an image or draw a digit").wait_for(timeout=180_000)
            b.wait_for_function(NO_BUSY, timeout=180_000)
            upload(b, [_photo(tmp_path)])
            wait_for_results(b, 1, timeout_ms=240_000)
            assert b.get_by_text("one.png — guess 1").count() == 1

            # A short run trained through replica 1 is listed through replica 2, as a class model of another
            # visitor (the shared models folder and database).
            a.goto(f"{url}/training", wait_until="domcontentloaded")
            epochs = a.get_by_label("Epochs", exact=True)
            epochs.wait_for(timeout=120_000)
            epochs.fill("3")
            epochs.press("Enter")
            a.wait_for_function(NO_BUSY, timeout=60_000)
            a.get_by_role("button", name="Start training").click()
            saved = a.get_by_text("Saved as ★")
            saved.wait_for(timeout=240_000)
            name = re.search(r"★ (\S+):", saved.inner_text()).group(1)
            b.goto(f"{url}/latent_map", wait_until="domcontentloaded")
            picker = b.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
            picker.wait_for(timeout=120_000)
            open_option(b, picker, f"{name} (class)")
            b.keyboard.press("Escape")
            a.goto(f"{url}/latent_map", wait_until="domcontentloaded")
            a.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=180_000)
            wait_click_ready(a, timeout_ms=180_000)
            a.mouse.click(*a.evaluate(TO_PIXELS, [3.0, -3.0]))
            a.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=60_000)

            # Sticky: every request of each browser (page, websocket, upload, media) went to its own replica.
            assert _upstreams(run_dir, a_cookie) == {f"127.0.0.1:{ports[0]}"}
            assert _upstreams(run_dir, b_cookie) == {f"127.0.0.1:{ports[1]}"}
            b_requests = [req for req, _, r in _log(run_dir) if r == b_cookie]
            assert any("/_stcore/upload_file" in req for req in b_requests), b_requests

            # Replica 1 goes down (a crash, a redeploy): student A's browser sees its connection go, reconnects
            # through nginx (to replica 2, or to replica 1 once the launcher has started it again) and gets the
            # page again in a new session; the click comes back too, from the page's address (?at=x,y), since the
            # session state that held it lived in the lost replica. Student B carries on.
            assert "at=" in a.url, "the clicked point is not in the address"
            a.evaluate(WATCH_CONNECTION)
            os.killpg(int((run_dir / "replica-1.pid").read_text()), signal.SIGKILL)
            a.wait_for_function("() => window.__states.some(s => s !== 'CONNECTED')", timeout=60_000)
            a.wait_for_function("() => window.__states.at(-1) === 'CONNECTED'", timeout=180_000)
            a.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=180_000)
            a.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=180_000)
            # nginx logs a websocket when it closes: A's first one went through nginx, to replica 1.
            assert (f"127.0.0.1:{ports[0]}", True) in {(up, "/_stcore/stream" in req)
                                                       for req, up, r in _log(run_dir) if r == a_cookie}
            wait_click_ready(b, timeout_ms=180_000)  # student B, on replica 2, is served on
            b.mouse.click(*b.evaluate(TO_PIXELS, [-2.0, 2.0]))
            b.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=60_000)
            assert b.locator('[data-testid="stException"]').count() == 0
            browser.close()
    finally:
        os.killpg(launcher.pid, signal.SIGTERM)
        launcher.wait(timeout=60)
    # Stopping the launcher stopped everything it started.
    for i in (1, 2):
        pid = int((run_dir / f"replica-{i}.pid").read_text())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
