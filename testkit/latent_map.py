"""Browser helpers for the latent map, shared by its Chromium tests and the benches that click it."""

# The page's pixel for a latent coordinate (x, y), read from the Plotly axes of the map (its layout.meta).
TO_PIXELS = """([x, y]) => { const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g.layout && g.layout.meta === 'vae-latent-map'); const fl = gd._fullLayout;
  const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return [r.left + fl.xaxis.l2p(x), r.top + fl.yaxis.l2p(y)]; }"""
# The text of the server's decode of the last click ("decoded z = [...]").
DECODED_TEXT = """() => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]
  .map(e => e.innerText).filter(s => s.includes('decoded z')).join('')"""
# True once the listener of the view now drawn has attached to the map (a rerun that changes the model may
# keep the graph element and change its figure, whose layout.datarevision names the view).
CLICK_READY = """() => { const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g.layout && g.layout.meta === 'vae-latent-map');
  return !!gd && gd.dataset.clickReady === (gd.layout.datarevision || 'true'); }"""


def wait_click_ready(page, timeout_ms: int = 120_000) -> None:
    """Until a click on the latent map will be heard."""
    page.wait_for_function(CLICK_READY, timeout=timeout_ms)
