"""Traversal page, measured in headless Chromium against a real `streamlit run` on this machine.

    python -m bench.bench_traversal [--drag-seconds 3] [--releases 7] [--opens 5] [--screenshot docs/traversal.png]

Figures (targets from issue 4):
  live frames per second during a continuous drag  (>= 30): frames the component decoded and drew,
      counted by its window.__liveDecoder.frames, over the wall time of the drag;
  release -> server-confirmed image, median       (<= 150 ms): pointerup until the component draws
      the server's decode of that release (it arrives with the fragment rerun's data);
  page open with a warm cache, mnist-16d, median  (<= 2 s): navigation until the sliders, the
      browser's first decode and the server image are all on screen.
"""

from __future__ import annotations

import argparse
import time

from bench.harness import load_average, print_header, summarize
from testkit.browser import chromium_page, streamlit_server

# The component draws the server's decode beside its own and marks it in window.__liveConfirm (the page shows
# no separate st.image of it).
READY = "() => window.__liveDecoder && window.__liveDecoder.frames >= 1 && window.__liveConfirm !== undefined"


def open_page(page, url: str) -> float:
    t0 = time.perf_counter()
    page.goto(f"{url}/traversal", wait_until="domcontentloaded")
    page.wait_for_function(READY, timeout=120_000, polling="raf")
    return time.perf_counter() - t0


def thumb(page):
    slider = page.locator(".controls > .row[data-dim] input[type=range]").first
    box = slider.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"]


def drag_fps(page, seconds: float) -> tuple[float, int, float]:
    x, y, width = thumb(page)
    page.mouse.move(x, y)
    page.mouse.down()
    f0 = page.evaluate("() => window.__liveDecoder.frames")
    t0 = time.perf_counter()
    i = 0
    while time.perf_counter() - t0 < seconds:  # sweep back and forth over the middle 80 % of the track
        phase = (i % 80) / 40
        page.mouse.move(x + width * 0.4 * (phase if phase <= 1 else 2 - phase) - width * 0.2, y)
        i += 1
    elapsed = time.perf_counter() - t0
    frames = page.evaluate("() => window.__liveDecoder.frames") - f0
    page.mouse.up()
    return frames / elapsed, frames, elapsed


def release_latency(page, sign: int) -> float:
    """ms from the pointerup until the component shows the server's decode of this release. Presses mid-track
    and moves a little, alternating sides so every release changes z (an unchanged value fires no change
    event)."""
    page.evaluate("() => { if (!window.__upHooked) { window.__upHooked = true; "
                  "document.addEventListener('pointerup', () => { window.__upAt = performance.now(); }, true); } }")
    x, y, width = thumb(page)
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 6):
        page.mouse.move(x + sign * k * width / 30, y)
    seq = page.evaluate("() => window.__liveDecoder.seq") + 1
    page.mouse.up()
    try:
        page.wait_for_function("(s) => window.__liveConfirm && window.__liveConfirm.seq === s", arg=seq,
                               timeout=30_000, polling="raf")
    except Exception:
        shown = page.locator('[data-testid="server-note"]').text_content()
        raise RuntimeError(f"release #{seq} was never confirmed; the page shows {shown!r}") from None
    return page.evaluate("() => window.__liveConfirm.at - window.__upAt")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drag-seconds", type=float, default=3.0)
    ap.add_argument("--releases", type=int, default=7)
    ap.add_argument("--opens", type=int, default=5)
    ap.add_argument("--screenshot", default=None, help="also save a tall screenshot of the page here")
    args = ap.parse_args()
    print_header()
    with streamlit_server() as url, chromium_page(viewport=(1400, 1000)) as page:
        cold = open_page(page, url)  # fills st.cache_* (model, encodings, weights)
        opens = [open_page(page, url) for _ in range(args.opens)]
        page.wait_for_timeout(500)
        fps, frames, elapsed = drag_fps(page, args.drag_seconds)
        page.wait_for_timeout(1000)  # let the release of the sweep settle
        lat = []
        for i in range(args.releases):
            lat.append(release_latency(page, 1 if i % 2 == 0 else -1))
            page.wait_for_timeout(300)
        decode_ms = page.evaluate("""() => { const z = window.__liveDecoder.z, t0 = performance.now();
            for (let i = 0; i < 50; i++) window.__liveDecoder.decode(z, null);
            return (performance.now() - t0) / 50; }""")
    if args.screenshot:
        with streamlit_server() as url, chromium_page(viewport=(1400, 2600)) as page:
            open_page(page, url)
            page.get_by_role("button", name="Random draw").click()
            page.get_by_text("prior draw (seed 1)").wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            release_latency(page, 1)  # a dragged state, confirmed by the server
            page.wait_for_timeout(1500)
            page.screenshot(path=args.screenshot)
    med_open = summarize(opens).median
    med_lat = summarize(lat).median
    print(f"traversal page, mnist-16d, headless Chromium + streamlit run on this machine "
          f"(load average {load_average()} at the end)")
    print(f"  live decode during a continuous drag  {fps:6.1f} frames/s   ({frames} frames in {elapsed:.2f} s; "
          f"one browser decode {decode_ms:.2f} ms)   target >= 30   {'ok' if fps >= 30 else 'MISSED'}")
    print(f"  release -> server-confirmed image     {med_lat:6.0f} ms median ({', '.join(f'{v:.0f}' for v in lat)})"
          f"   target <= 150   {'ok' if med_lat <= 150 else 'MISSED'}")
    print(f"  page open, warm cache                 {med_open:6.2f} s median  ({', '.join(f'{v:.2f}' for v in opens)};"
          f" cold {cold:.2f} s)   target <= 2   {'ok' if med_open <= 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
