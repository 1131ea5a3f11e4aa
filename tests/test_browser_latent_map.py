"""End to end: click inside a gap of the latent map in headless Chromium and check the decode."""

import io
import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

from tests.browser import chromium_page, require_chromium, screenshot, streamlit_server
from vae_core import load_model
from vae_core.aggregate import encode_dataset, log_aggregate_density, log_prior
from vae_core.datasets import load_dataset

pytestmark = pytest.mark.browser

TO_PIXELS = """([x, y]) => { const gd = document.querySelector('.js-plotly-plot'); const fl = gd._fullLayout;
  const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return [r.left + fl.xaxis.l2p(x), r.top + fl.yaxis.l2p(y)]; }"""
DECODED_TEXT = """() => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]
  .map(e => e.innerText).filter(s => s.includes('decoded z')).join('')"""


def test_clicking_a_gap_decodes_that_exact_z():
    require_chromium()
    model = load_model("mnist-2d")
    mu, logvar = encode_dataset(model, load_dataset("mnist-5k").x)
    target = np.array([3.0, -3.0])
    assert log_aggregate_density(target[None], mu, logvar)[0] - log_prior(target[None])[0] < -2.0, "not a gap"

    with streamlit_server() as url, chromium_page() as page:
        page.goto(f"{url}/latent_map")
        page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=120_000)
        page.wait_for_timeout(1000)
        page.mouse.click(*page.evaluate(TO_PIXELS, target.tolist()))
        page.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=30_000)
        page.wait_for_timeout(500)
        text = page.evaluate(DECODED_TEXT)
        z = np.array(json.loads(re.search(r"\[.*\]", text).group(0)))
        # Clicks snap to the invisible lattice: one lattice step is two heat-map cells.
        step = page.evaluate("""() => { const t = document.querySelector('.js-plotly-plot')._fullData
            .find(d => d.name === 'click target'); return Math.abs(t.x[1] - t.x[0]); }""")
        assert np.all(np.abs(z - target) <= step), (z, target, step)

        caption = page.locator("[data-testid=stImage]").filter(has_text="μ_D(z)")
        assert "in a gap" in caption.inner_text()
        src = caption.locator("img").get_attribute("src")
        png = page.request.get(src if src.startswith("http") else f"{url}{src}").body()
        shown = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)
        with torch.no_grad():
            expected = model.decode(torch.tensor(z[None], dtype=torch.float32)).reshape(28, 28).numpy()
        scale = shown.shape[0] // 28
        assert shown.shape == (28 * scale, 28 * scale)
        # Display rounding: the page shows round(255 * x) with nearest-neighbour upscaling.
        assert np.abs(shown[::scale, ::scale] / 255 - expected).max() <= 0.5 / 255 + 1e-6
        assert not page.query_selector_all("[data-testid=stException]")
        screenshot(page, "latent_map_click")
