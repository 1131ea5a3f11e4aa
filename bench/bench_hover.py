"""Images on the map: how long a hover takes to show a point's image and reconstruction in Chromium (issue 28:
under 50 ms, no server call), against the reference of a server round trip, a click's decode arriving from the
server, in the same run on the same page.

    python -m bench.bench_hover [--hovers 30] [--clicks 5]

The hover is timed in the page, from the mousemove event Chromium dispatches to the card drawn; the click from
the press to the server's image on the page.
"""

from __future__ import annotations

import argparse

from bench.harness import print_header, summarize
from testkit.browser import NO_BUSY, chromium_page, streamlit_server

GRAPH = "[...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.meta === 'vae-latent-map')"
POINTS = f"""(n) => {{ const g = {GRAPH}, fl = g._fullLayout, r = g.querySelector('.nsewdrag').getBoundingClientRect();
  const out = []; for (const t of g._fullData) {{ if (!t.customdata || !t.customdata.length) continue;
    for (let i = 0; i < t.x.length && out.length < n; i += 37)
      out.push([r.left + fl.xaxis.l2p(t.x[i]), r.top + fl.yaxis.l2p(t.y[i])]); }}
  return out.slice(0, n); }}"""
# From the press to the end of the rerun it starts (the server's decode is then on the page), timed in the page.
# A fast rerun can go to "running" and back within one batch of mutations: the record whose old value was
# "running" is its end. Gives up (NaN) after 30 s.
WATCH_RERUN = """() => { const app = document.querySelector('[data-testid="stApp"]'); let pressed = null;
  window.__rerunDone = new Promise((done) => {
    document.addEventListener('mousedown', () => { pressed = performance.now(); }, {capture: true, once: true});
    const obs = new MutationObserver((records) => {
      if (pressed !== null && records.some((r) => r.oldValue === 'running')) {
        obs.disconnect(); done(performance.now() - pressed);
      }
    });
    obs.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
    setTimeout(() => { obs.disconnect(); done(NaN); }, 30000);
  }); }"""
STAMP_MOVES = "() => document.addEventListener('mousemove', () => { window.__moveAt = performance.now(); }, true)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hovers", type=int, default=30)
    parser.add_argument("--clicks", type=int, default=5)
    args = parser.parse_args()
    if not (1 <= args.hovers <= 200 and 1 <= args.clicks <= 20):
        parser.error("--hovers 1..200, --clicks 1..20")
    print_header()
    with streamlit_server() as url, chromium_page(viewport=(1280, 1000)) as page:
        page.goto(f"{url}/latent_map")
        page.wait_for_function(f"() => {{ const g = {GRAPH}; return g && g.dataset.hoverReady === 'true' && "
                               "g.dataset.clickReady; }", timeout=240_000)
        page.wait_for_function("() => Object.values(window.__vaeHoverSheets || {}).some(i => i.complete)",
                               timeout=60_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        page.evaluate(f"() => {GRAPH}.scrollIntoView({{block: 'center'}})")
        page.evaluate(STAMP_MOVES)
        hovers, drawing = [], []
        for x, y in page.evaluate(POINTS, args.hovers):
            page.mouse.move(x + 40, y + 40)
            page.wait_for_timeout(60)
            before = page.evaluate("() => (window.__mapHover || {}).shownAt || 0")
            page.mouse.move(x, y)
            try:
                page.wait_for_function(f"() => window.__mapHover && window.__mapHover.shownAt > {before}", timeout=3000)
            except Exception:  # Plotly found no point under the cursor here (another trace on top): skip it
                continue
            got = page.evaluate("() => [window.__mapHover.shownAt - window.__moveAt, window.__mapHover.tookMs]")
            hovers.append(got[0])
            drawing.append(got[1])
        clicks = []
        r = page.evaluate(f"() => {{ const b = {GRAPH}.querySelector('.nsewdrag').getBoundingClientRect(); "
                          "return [b.left, b.top, b.width, b.height]; }")
        for k in range(args.clicks):
            page.evaluate(WATCH_RERUN)
            page.mouse.click(r[0] + r[2] * (0.3 + 0.08 * k), r[1] + r[3] * 0.4)
            took = page.evaluate("() => window.__rerunDone")
            if took == took:  # not NaN
                clicks.append(took)
            page.wait_for_function(NO_BUSY, timeout=60_000)
    h, c = summarize(hovers), summarize(clicks)
    print(f"hover card, mousemove -> drawn, {len(hovers)} points: median {h.median:.1f} ms, p95 {h.p95:.1f} ms, "
          f"max {h.max:.1f} ms (goal: under 50 ms); of which drawing the card: median "
          f"{summarize(drawing).median:.1f} ms (the rest: finding the nearest point, in hover_images.js)")
    print(f"reference: a click's server decode on the page, {len(clicks)} clicks: median {c.median:.0f} ms, "
          f"p95 {c.p95:.0f} ms")
    print(f"ratio hover / server round trip (medians): {h.median / c.median:.3f}")


if __name__ == "__main__":
    main()
