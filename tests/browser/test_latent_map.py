"""End to end: click inside a gap of the latent map in headless Chromium and check the decode."""

import base64
import io
import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

from testkit.browser import chromium_page, require_chromium, screenshot, shared_server
from testkit.latent_map import DECODED_TEXT, TO_PIXELS, wait_click_ready
from vae_core import load_model
from vae_core.data.datasets import load_dataset
from vae_core.latent.aggregate import encode_dataset, log_aggregate_density, log_prior

pytestmark = pytest.mark.browser

CLICK_STATE = "() => window.__mapClick || null"


def png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


def at_28(shown: np.ndarray) -> np.ndarray:
    scale = shown.shape[0] // 28
    assert shown.shape == (28 * scale, 28 * scale)
    return shown[::scale, ::scale] / 255


def test_clicking_a_gap_decodes_that_exact_z_in_the_browser_and_on_the_server():
    require_chromium()
    model = load_model("mnist-2d")
    mu, logvar = encode_dataset(model, load_dataset("mnist-5k").x)
    target = np.array([-3.0, -3.0])  # (3, -3) is covered by the retrained (binarised) mnist-2d: ratio +2.7
    assert log_aggregate_density(target[None], mu, logvar)[0] - log_prior(target[None])[0] < -2.0, "not a gap"

    with shared_server() as url, chromium_page() as page:
        page.goto(f"{url}/latent_map")
        page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=120_000)
        page.wait_for_selector("[data-testid=map-click-caption]", timeout=60_000)
        wait_click_ready(page)
        # The pan below must find the listener there too, or "no decode" would prove nothing.
        assert page.evaluate("() => window.__mapClick === undefined")

        # A pan is not a click: dragging the map decodes nothing.
        x0, y0 = page.evaluate(TO_PIXELS, [0.0, 0.0])
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x0 + 40, y0 + 10, steps=5)
        page.mouse.up()
        page.wait_for_timeout(300)
        assert page.evaluate(CLICK_STATE) is None

        page.mouse.click(*page.evaluate(TO_PIXELS, target.tolist()))
        page.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=30_000)
        page.wait_for_timeout(500)
        click = page.evaluate(CLICK_STATE)
        assert click["previewAt"] is not None, "the browser did not decode the click"
        z = np.array(click["z"])
        # The exact coordinate under the cursor: within one screen pixel of the target, no lattice.
        per_px = page.evaluate("""() => { const fl = [...document.querySelectorAll('.js-plotly-plot')]
            .find(g => g.layout && g.layout.meta === 'vae-latent-map')._fullLayout;
            return Math.abs(fl.xaxis.p2l(1) - fl.xaxis.p2l(0)); }""")
        assert np.all(np.abs(z - target) <= 1.5 * per_px), (z, target, per_px)  # integer mouse pixels
        text = page.evaluate(DECODED_TEXT)
        np.testing.assert_allclose(json.loads(re.search(r"\[.*\]", text).group(0)), z, atol=5e-5)
        with torch.no_grad():
            expected = model.decode(torch.tensor(z[None], dtype=torch.float32)).reshape(28, 28).numpy()

        # The server's image (PyTorch) of that z, to within display rounding: round(255 x), upscaled.
        caption = page.locator("[data-testid=stImage]").filter(has_text="μ_D(z)")
        assert "in a gap" in caption.inner_text()
        src = caption.locator("img").get_attribute("src")
        server = at_28(png_pixels(page.request.get(src if src.startswith("http") else f"{url}{src}").body()))
        assert np.abs(server - expected).max() <= 0.5 / 255 + 1e-6
        # The browser's instant decode of the same z agrees with PyTorch to display rounding too
        # (the JS decoder matches model.decode to 1e-4 per pixel).
        # Playwright's locators pierce the component's shadow root.
        data_url = page.locator("[data-testid=map-click-image]").evaluate("c => c.toDataURL('image/png')")
        browser = at_28(png_pixels(base64.b64decode(data_url.split(",", 1)[1])))
        assert np.abs(browser - expected).max() <= 0.5 / 255 + 1e-4
        assert page.locator("[data-testid=map-click-marker]").is_visible()
        assert not page.query_selector_all("[data-testid=stException]")
        screenshot(page, "latent_map_click")


def test_a_click_on_the_pca_plane_of_a_16d_model_decodes_z_from_the_pca_basis():
    require_chromium()
    with shared_server() as url, chromium_page() as page:
        page.goto(f"{url}/latent_map")
        page.wait_for_selector("[data-testid=map-click-caption]", timeout=120_000)
        page.get_by_role("combobox").first.click()  # the sidebar's model picker
        page.get_by_role("option", name="mnist-16d").click()
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some(g => g.layout && "
                               "g.layout.meta === 'vae-latent-map' && g.layout.xaxis.title.text.startsWith('PC1'))",
                               timeout=120_000)
        wait_click_ready(page)  # the new model's map is a new graph: its listener attaches after it is drawn
        page.mouse.click(*page.evaluate(TO_PIXELS, [1.0, -0.5]))
        page.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=30_000)
        page.wait_for_timeout(300)
        z = np.array(page.evaluate(CLICK_STATE)["z"])
        assert z.shape == (16,)
        server_z = json.loads(re.search(r"\[.*\]", page.evaluate(DECODED_TEXT)).group(0))
        np.testing.assert_allclose(server_z, z, atol=5e-5)  # the browser and PyTorch decoded the same z
        assert not page.query_selector_all("[data-testid=stException]")
