"""Serving a class: server CPU per page open, and click latency with several sessions at once.

    nice -n 10 python -m bench.bench_class [--opens 5] [--rounds 10] [--sessions 8 16] [--no-opens] [--no-clicks] \
        [--no-burst] [--browser-nice 0] [--proxy] [--profile DIR]

1. Starts the app and a bare one-slider Streamlit page (each its own `streamlit run` on loopback), opens
   every page --opens times in fresh browser contexts (a new visitor each time, after one warm-up open),
   and prints the server process's CPU seconds per warm page open, page by page, with the ratio to the
   bare page. Goal: every page at most 1.5x the bare page. A second reference, the bare page plus one
   trivial element of each type the pages use, shows what Streamlit alone costs for those elements.
2. Click -> server image latency on the latent map with 1 and with --sessions simultaneous sessions:
   every session clicks at once, then each session's time from its click to its server-decoded image
   is read (later sessions are read after earlier ones, so their figures are upper bounds). Median and
   p95 over --rounds rounds. Goal: median within 300 ms.
3. A class arriving at once: 1 and each --sessions count of new visitors open the latent map at the same moment,
   on a freshly started server (nothing computed yet) and again on the same server (warm). Each page marks when
   the map's element arrived and when Plotly had drawn it; printed: how many were drawn within 60 s, median and
   slowest times, the CPU seconds the server and Chromium (on the same cores) used, and when the server had done
   95 % of its share. A first open shared well costs each further visitor only its own rerun: compare the
   server's CPU per visitor with one visitor's. --browser-nice N lowers Chromium's priority (visitors' browsers
   are not on the server); --profile DIR records the server with py-spy during each burst (raw collapsed stacks
   in DIR, summarised by function on stdout).

--proxy reaches every server through nginx caching Streamlit's frontend files (bench/static_proxy.py), as a
deployment's reverse proxy can.

Loopback only; every loop is bounded by its arguments and every wait by a timeout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench.harness import print_header, summarize
from bench.static_proxy import available as proxy_available
from bench.static_proxy import static_cache_proxy
from testkit.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from testkit.latent_map import DECODED_TEXT, TO_PIXELS

MAP_META = "vae-latent-map"  # app.latent_map.click.MAP_META, the map's layout.meta

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


PROXY = {"on": False}  # --proxy: every server is reached through nginx caching /static/ (bench.static_proxy)


@contextmanager
def serving(script: str = "streamlit_app.py"):
    """(url, server pid) of a fresh `streamlit run` of script, behind the caching proxy when --proxy is given."""
    with streamlit_server(script) as url:
        pid = server_pid(int(url.rsplit(":", 1)[1]))
        if not PROXY["on"]:
            yield url, pid
            return
        with static_cache_proxy(url) as front:
            yield front, pid


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
        with serving(str(script)) as (ref_url, pid):
            open_cost(browser, ref_url, pid)  # warm-up
            return summarize(open_cost(browser, ref_url, pid) for _ in range(opens)).median


def bench_opens(browser, opens: int, only: list[str] | None = None) -> None:
    bare, elements = reference_cost(browser, BARE, opens), reference_cost(browser, ELEMENTS, opens)
    print(f"1. server CPU per warm page open (median of {opens} fresh browser contexts each)")
    print(f"   {'bare one-slider page':<24} {bare:6.3f} s")
    print(f"   {'bare + one of each element':<24} {elements:6.3f} s   {elements / bare:5.1f}x the bare page "
          "(Streamlit's own cost of st.latex, plotly_chart, dataframe, image, metric)")
    worst = 0.0
    with serving() as (url, pid):
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


def bench_clicks(browser, sessions: list[int], rounds: int) -> None:
    rng = np.random.default_rng(0)
    with serving() as (url, _):
        for n in sorted({1, *sessions}):
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


# Run in every page before its own scripts: the wall-clock moments (ms since the epoch, the clock Python's
# time.time() reads) when the first chart element arrived from the server ("sent") and when Plotly had drawn the
# latent map, found by its layout.meta ("drawn"). Marked in the page itself, so a busy browser answering the
# bench's polls late does not delay the figures.
MARK_MAP = """(() => {
  const now = () => performance.timeOrigin + performance.now();
  const mark = () => {
    if (!window.__mapSent && document.querySelector('[data-testid=stPlotlyChart]')) window.__mapSent = now();
    const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.meta === '%s');
    if (gd && gd.querySelector('.nsewdrag')) window.__mapDrawn = now(); else setTimeout(mark, 100);
  };
  setTimeout(mark, 100);
})()""" % MAP_META
READ_MARKS = "() => [window.__mapSent || 0, window.__mapDrawn || 0]"
BURST_WAIT_S = 120.0  # every session's wait is bounded; "drawn within 60 s" is counted from these times


def descendant_cpu(exclude: int) -> float:
    """CPU seconds of every process below this one but `exclude` (the server): Chromium and Playwright."""
    me, parents, total = os.getpid(), {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parents[int(entry.name)] = int(fields[1])
            total[int(entry.name)] = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / CLK_TCK

    def below_me(pid: int) -> bool:
        for _ in range(64):  # bounded walk up the tree
            pid = parents.get(pid, 0)
            if pid == me:
                return True
            if pid <= 1:
                return False
        return False

    return sum(cpu for pid, cpu in total.items() if pid != exclude and below_me(pid) and parents.get(pid) != exclude)


def renice_descendants(exclude: int, niceness: int) -> None:
    """Lower the priority of our Chromium processes (not the server, not other users' processes), standing in
    for browsers on the visitors' own machines. Renderers are forked later, so this is called again."""
    if not niceness:
        return
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == exclude:
            continue
        pid, steps = int(entry.name), 0
        try:
            while pid > 1 and steps < 64:
                stat = (Path("/proc") / str(pid) / "stat").read_text()
                pid, steps = int(stat.rsplit(")", 1)[1].split()[1]), steps + 1
                if pid == exclude:
                    break
                if pid == me:
                    if os.getpriority(os.PRIO_PROCESS, int(entry.name)) < niceness:
                        os.setpriority(os.PRIO_PROCESS, int(entry.name), niceness)
                    break
        except (OSError, IndexError, ValueError):
            continue


def start_profile(pid: int, out: Path | None, label: str):
    if out is None or shutil.which("py-spy") is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{label}.txt"
    # --gil: only the thread holding the GIL, i.e. the Python work that runs one thread at a time.
    proc = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "50", "--gil",
                             "--output", str(path), "--duration", str(int(BURST_WAIT_S) + 30)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches
    return proc, path


def stop_profile(handle) -> None:
    """Stop py-spy (SIGINT writes its file) and print where the server's samples were, by function."""
    if handle is None:
        return
    proc, path = handle
    proc.send_signal(2)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return
    inclusive, total = Counter(), 0
    for line in path.read_text().splitlines() if path.exists() else []:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "(idle)" in stack:
            continue
        frames = {_frame_name(f) for f in stack.split(";")}
        total += int(count)
        for frame in frames:
            inclusive[frame] += int(count)
    print(f"     py-spy, {total} samples holding the GIL at 50 Hz ({path}); functions by inclusive share:")
    shown = [(f, c) for f, c in inclusive.most_common() if f.split(" (")[-1].rstrip(")") not in WRAPPERS]
    for frame, count in shown[:30]:
        print(f"       {100 * count / max(total, 1):5.1f}%  {frame}")


# Frames every sample of a thread passes through (thread start, the event loop, the script runner): not news.
WRAPPERS = {"threading.py", "script_runner.py", "exec_code.py", "page.py", "<frozen runpy>", "core.py", "cli.py",
            "bootstrap.py", "base_events.py", "runners.py", "__main__.py", "streamlit_app.py", "thread.py",
            "events.py"}


def _frame_name(frame: str) -> str:
    """'render (plotly/io/_json.py:123)' -> 'render (_json.py)': a function, counted once per stack."""
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.rsplit(':', 1)[0]).name})"


def burst(browser, url: str, pid: int, n: int, profile: Path | None, label: str, niceness: int) -> None:
    """n new visitors open the latent map at the same moment; each page marks when its map arrived and was drawn."""
    settle(pid)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(n)]
    try:
        for context in contexts:
            context.add_init_script(MARK_MAP)
        pages = [c.new_page() for c in contexts]
        renice_descendants(pid, niceness)
        handle = start_profile(pid, profile, label)
        server0, browser0, start = cpu_seconds(pid), descendant_cpu(pid), time.time()
        for page in pages:
            page.goto(f"{url}/latent_map", wait_until="commit", timeout=60_000)
        marks: dict[int, tuple[float, float]] = {}
        server_use = [(0.0, 0.0)]  # (seconds since the start, server CPU seconds since the start)
        while len(marks) < n and time.time() < start + BURST_WAIT_S:
            renice_descendants(pid, niceness)
            for i, page in enumerate(pages):
                if i not in marks:
                    sent_ms, drawn_ms = page.evaluate(READ_MARKS)
                    if drawn_ms:
                        marks[i] = ((sent_ms or drawn_ms) / 1000 - start, drawn_ms / 1000 - start)
            server_use.append((time.time() - start, cpu_seconds(pid) - server0))
            time.sleep(0.5)
        settle(pid, limit=60)
        server, browser_cpu = cpu_seconds(pid) - server0, descendant_cpu(pid) - browser0
        stop_profile(handle)
    finally:
        for c in contexts:
            c.close()
    # When the server had done 95 % of the work it did for the burst (visitors still waiting then wait on
    # their browsers, not on the server).
    busy_until = next((t for t, used in server_use if used >= 0.95 * server), server_use[-1][0])

    def spread(times: list[float]) -> str:
        """Median and slowest of all n visitors, one not drawn by the end of the wait counting as slower than it
        (a page polled late may report a moment past the wait: it is shown as measured)."""
        times = sorted(times) + [float("inf")] * (n - len(times))
        shown = [f"{t:5.1f}" if t < float("inf") else f">{BURST_WAIT_S:.0f}" for t in (times[(n - 1) // 2], times[-1])]
        return f"{shown[0]} / {shown[1]} s"

    within = sum(d <= 60 for _, d in marks.values())
    print(f"   {label:<24} {within:3d}/{n:<3d} drawn in 60 s | sent {spread([s for s, _ in marks.values()])} | "
          f"drawn {spread([d for _, d in marks.values()])} | server CPU {server:5.1f} s ({server / n:4.2f} a "
          f"visitor), 95 % done at {busy_until:5.1f} s | browser CPU {browser_cpu:5.1f} s", flush=True)


def bench_burst(browser, counts: list[int], profile: Path | None, niceness: int) -> None:
    print("3. n new visitors opening the latent map at the same moment (a fresh server for each n); times are "
          "median / slowest" + (f"; Chromium at niceness {niceness}" if niceness else ""))
    for n in counts:
        with serving() as (url, pid):
            burst(browser, url, pid, n, profile, f"{n} at once, cold server", niceness)
            burst(browser, url, pid, n, profile, f"{n} at once, warm server", niceness)
    print("   (cold: a server just started, nothing computed or imported; warm: the same server again. 'sent': the "
          "map's element has arrived; 'drawn': Plotly has drawn it; '95 % done': when the server had used 95 % of "
          "the CPU it used for the burst; browser CPU: Chromium's, on the same cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=5, choices=range(1, 51), metavar="1..50")
    parser.add_argument("--rounds", type=int, default=10, choices=range(1, 201), metavar="1..200")
    parser.add_argument("--sessions", type=int, nargs="+", default=[8], choices=range(1, 33), metavar="1..32",
                        help="session counts for the clicks and the burst (1 is always measured too)")
    parser.add_argument("--no-opens", action="store_true", help="skip 1. (server CPU per page open)")
    parser.add_argument("--no-clicks", action="store_true")
    parser.add_argument("--no-burst", action="store_true")
    parser.add_argument("--browser-nice", type=int, default=0, choices=range(0, 20), metavar="0..19",
                        help="niceness of our Chromium processes during the burst (visitors' browsers are not on "
                             "the server)")
    parser.add_argument("--proxy", action="store_true",
                        help="reach every server through nginx caching Streamlit's frontend files (bench.static_proxy)")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="record the server with py-spy during bursts")
    parser.add_argument("--only", nargs="*", help="page paths to measure (default: all), e.g. one_d latent_map")
    args = parser.parse_args()
    if args.proxy and not proxy_available():
        parser.error("--proxy needs nginx on the PATH")
    PROXY["on"] = args.proxy
    from playwright.sync_api import sync_playwright

    print_header()
    if args.proxy:
        print("# every server behind nginx on loopback, caching /static/ (bench/static_proxy.py)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            if not args.no_opens:
                bench_opens(browser, args.opens, args.only)
            if not args.no_clicks:
                bench_clicks(browser, args.sessions, args.rounds)
            if not args.no_burst:
                bench_burst(browser, sorted({1, *args.sessions}), args.profile, args.browser_nice)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
