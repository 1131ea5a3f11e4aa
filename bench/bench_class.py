"""Serving a class: server CPU per page open, and click latency with several sessions at once.

    nice -n 10 python -m bench.bench_class [--opens 5] [--rounds 10] [--sessions 8]

1. Starts the app and a bare one-slider Streamlit page (each its own `streamlit run` on loopback), opens
   every page --opens times in fresh browser contexts (a new visitor each time, after one warm-up open),
   and prints the server process's CPU seconds per warm page open, page by page, with the ratio to the
   bare page. Goal: every page at most 1.5x the bare page. A second reference, the bare page plus one
   trivial element of each type the pages use, shows what Streamlit alone costs for those elements.
2. Click -> server image latency on the latent map with 1 and with --sessions simultaneous sessions:
   every session clicks at once, then each session's time from its click to its server-decoded image
   is read (later sessions are read after earlier ones, so their figures are upper bounds). Median and
   p95 over --rounds rounds. Goal: median within 300 ms.

Loopback only; every loop is bounded by its arguments and every wait by a timeout.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import print_header, summarize
from testkit.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from testkit.latent_map import DECODED_TEXT, TO_PIXELS

PAGES = {"home": "", "latent map": "latent_map", "traversal": "traversal", "upload and draw": "upload",
         "1-D": "one_d"}
BARE = 'import streamlit as st\n\nst.slider("x", 0, 10, 5)\n'
# The bare page plus one of each element type the app's pages use, with trivial content: what Streamlit itself
# costs a new visitor for those element types (their JS chunks, fonts and media), before any work of ours.
ELEMENTS = BARE + """import numpy as np, pandas as pd, plotly.graph_objects as go
st.latex(r"p(x) = \\int p(x \\mid z)\\, p(z)\\, dz")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2], y=[1, 2])))
st.dataframe(pd.DataFrame({"a": [1.0, 2.0]}))
st.image(np.zeros((28, 28)), clamp=True)
st.metric("m", 1.0)
"""
CLK_TCK = os.sysconf("SC_CLK_TCK")


def server_pid(port: int) -> int:
    """The `streamlit run` process listening on port (our child; found through /proc, no extra packages)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == me and b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(entry.name)
    raise RuntimeError(f"no streamlit server of ours on port {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def settle(pid: int, quiet: float = 0.6, limit: float = 120.0) -> None:
    """Wait until the server has used no CPU for `quiet` seconds (its reruns are done)."""
    deadline, last, still = time.monotonic() + limit, cpu_seconds(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = cpu_seconds(pid)
        if now - last > 0.005:
            last, still = now, time.monotonic()
        elif time.monotonic() - still >= quiet:
            return


def open_cost(browser, url: str, pid: int) -> float:
    """Server CPU seconds for one new visitor opening url, until the page is drawn and the server idle."""
    settle(pid)
    before = cpu_seconds(pid)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url, timeout=180_000)
        page.wait_for_selector("[data-testid=stMain]", timeout=180_000)
        page.wait_for_timeout(500)
        settle(pid)
        return cpu_seconds(pid) - before
    finally:
        context.close()


def reference_cost(browser, source: str, opens: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "reference.py"
        script.write_text(source)
        with streamlit_server(str(script)) as ref_url:
            pid = server_pid(int(ref_url.rsplit(":", 1)[1]))
            open_cost(browser, ref_url, pid)  # warm-up
            return summarize(open_cost(browser, ref_url, pid) for _ in range(opens)).median


def bench_opens(browser, opens: int, only: list[str] | None = None) -> None:
    bare, elements = reference_cost(browser, BARE, opens), reference_cost(browser, ELEMENTS, opens)
    print(f"1. server CPU per warm page open (median of {opens} fresh browser contexts each)")
    print(f"   {'bare one-slider page':<24} {bare:6.3f} s")
    print(f"   {'bare + one of each element':<24} {elements:6.3f} s   {elements / bare:5.1f}x the bare page "
          "(Streamlit's own cost of st.latex, plotly_chart, dataframe, image, metric)")
    worst = 0.0
    with streamlit_server() as url:
        pid = server_pid(int(url.rsplit(":", 1)[1]))
        for name, path in PAGES.items():
            if only and path not in only and name not in only:
                continue
            open_cost(browser, f"{url}/{path}", pid)  # warm-up: the first visitor fills the shared caches
            cost = summarize(open_cost(browser, f"{url}/{path}", pid) for _ in range(opens)).median
            worst = max(worst, cost / bare)
            print(f"   {name:<24} {cost:6.3f} s   {cost / bare:5.1f}x the bare page, "
                  f"{cost / elements:4.1f}x bare + elements")
    print(f"   {'PASS' if worst <= 1.5 else 'FAIL'}: worst page {worst:.1f}x against the 1.5x goal")


def map_session(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/latent_map", timeout=180_000)
    page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=180_000)
    page.wait_for_selector("[data-testid=map-click-caption]", timeout=120_000)
    page.wait_for_timeout(1000)
    return context, page


def bench_clicks(browser, sessions: int, rounds: int) -> None:
    rng = np.random.default_rng(0)
    with streamlit_server() as url:
        for n in sorted({1, sessions}):
            opened = [map_session(browser, url) for _ in range(n)]
            pages = [p for _, p in opened]
            times = []
            for r in range(rounds + 1):
                befores = [p.evaluate(DECODED_TEXT) for p in pages]
                targets = [p.evaluate(TO_PIXELS, rng.uniform(-3, 3, size=2).tolist()) for p in pages]
                starts = []
                for p, xy in zip(pages, targets):
                    starts.append(time.perf_counter())
                    p.mouse.click(*xy)
                for p, before, start in zip(pages, befores, starts):
                    p.wait_for_function(f"(b) => ({DECODED_TEXT})() !== b", arg=before, timeout=30_000)
                    p.wait_for_function("() => [...document.querySelectorAll('[data-testid=stImage] img')]"
                                        ".every(i => i.complete)", timeout=30_000)
                    if r:  # round 0 warms each session's fragment
                        times.append(time.perf_counter() - start)
                pages[0].wait_for_timeout(300)
            for context, _ in opened:
                context.close()
            clicks = summarize(times)
            print(f"2. click -> server image, {n} session{'s' if n > 1 else ''} clicking at once: "
                  f"median {clicks.median * 1000:.0f} ms, p95 {clicks.p95 * 1000:.0f} ms ({clicks.n} clicks)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=5, choices=range(1, 51), metavar="1..50")
    parser.add_argument("--rounds", type=int, default=10, choices=range(1, 201), metavar="1..200")
    parser.add_argument("--sessions", type=int, default=8, choices=range(1, 33), metavar="1..32")
    parser.add_argument("--no-clicks", action="store_true")
    parser.add_argument("--only", nargs="*", help="page paths to measure (default: all), e.g. one_d latent_map")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print_header()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            bench_opens(browser, args.opens, args.only)
            if not args.no_clicks:
                bench_clicks(browser, args.sessions, args.rounds)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
