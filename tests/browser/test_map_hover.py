"""Images on the latent map in Chromium: hovering a data point shows that image and its reconstruction
beside the cursor, with no message to the server; moving off the points hides the card."""

import numpy as np
import pytest
import torch

from testkit.browser import NO_BUSY, chromium_page, screenshot
from vae_core import load_dataset, load_model

pytestmark = pytest.mark.browser

GRAPH = "[...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.meta === 'vae-latent-map')"
# A data point's position on the page: the first point of the first class trace (customdata is its index).
POINT = f"""() => {{ const g = {GRAPH}; const t = g._fullData.find(t => Array.isArray(t.customdata) ||
  (t.customdata && t.customdata.length)); const fl = g._fullLayout;
  const r = g.querySelector('.nsewdrag').getBoundingClientRect();
  return [r.left + fl.xaxis.l2p(t.x[0]), r.top + fl.yaxis.l2p(t.y[0])]; }}"""
CANVAS_MEAN = """(id) => { const c = document.querySelector(`[data-testid="${id}"]`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let s = 0;
  for (let i = 0; i < d.length; i += 4) s += d[i]; return s / (d.length / 4); }"""


def test_hovering_a_point_shows_its_image_and_reconstruction_without_the_server(server):
    with chromium_page(viewport=(1280, 1000)) as page:
        sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
        page.goto(f"{server}/latent_map")
        page.wait_for_function(f"() => {{ const g = {GRAPH}; return g && g.dataset.hoverReady === 'true'; }}",
                               timeout=240_000)
        page.wait_for_function("() => Object.values(window.__vaeHoverSheets || {}).some(i => i.complete) && "
                               "Object.keys(window.__vaeHoverMeans || {}).length > 0", timeout=60_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        page.evaluate(f"() => {GRAPH}.scrollIntoView({{block: 'center'}})")
        x, y = page.evaluate(POINT)
        before = len(sent)
        page.mouse.move(x, y)
        page.wait_for_function("() => window.__mapHover && window.__mapHover.recon", timeout=10_000)
        hover = page.evaluate("() => window.__mapHover")
        print(f"hover card drawn in {hover['tookMs']:.1f} ms (browser)")
        assert page.locator('[data-testid="map-hover-card"]').is_visible()
        page.wait_for_timeout(300)
        assert len(sent) == before, "a hover sent a message to the server"

        # The card's image is the data set's image at the hovered index, its reconstruction mu_D(mu(x)).
        index = hover["index"]
        x_img = np.asarray(load_dataset("mnist-5k").x[index], np.float32).reshape(-1)
        assert page.evaluate(CANVAS_MEAN, "map-hover-image") == pytest.approx(255 * x_img.mean(), abs=1.0)
        model = load_model("mnist-2d")
        with torch.no_grad():
            mu, _ = model.encode(torch.from_numpy(x_img[None]))
            recon = model.decode(mu).numpy()[0]
        assert page.evaluate(CANVAS_MEAN, "map-hover-recon") == pytest.approx(255 * recon.mean(), abs=1.5)
        screenshot(page, "latent_map_hover")

        box = page.locator(".nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] + 200, box["y"] - 60)  # off the chart
        page.wait_for_function("() => getComputedStyle(document.querySelector("
                               "'[data-testid=\"map-hover-card\"]')).display === 'none'", timeout=10_000)
        assert page.locator('[data-testid="stException"]').count() == 0


UPLOAD_GRAPH = ("[...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && "
                "g.layout.meta === 'vae-upload-map')")


def test_hovering_a_training_point_on_the_upload_map_shows_its_image(server, tmp_path):
    from PIL import Image

    from testkit.upload import open_upload_page, upload, wait_for_results

    one = np.full((300, 240), 230, np.uint8)
    one[40:260, 110:135] = 25
    Image.fromarray(one).save(tmp_path / "one.png")
    with chromium_page(viewport=(1280, 1000)) as page:
        open_upload_page(page, server)
        upload(page, [tmp_path / "one.png"])
        wait_for_results(page, 1)
        page.wait_for_function(f"() => {{ const g = {UPLOAD_GRAPH}; return g && g.dataset.hoverReady === 'true'; }}",
                               timeout=120_000)
        page.wait_for_function("() => Object.values(window.__vaeHoverSheets || {}).some(i => i.complete)",
                               timeout=60_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        page.evaluate(f"() => {UPLOAD_GRAPH}.scrollIntoView({{block: 'center'}})")
        x, y = page.evaluate(POINT.replace(GRAPH, UPLOAD_GRAPH))
        page.mouse.move(x, y)
        page.wait_for_function("() => window.__mapHover && window.__mapHover.recon", timeout=10_000)
        index = page.evaluate("() => window.__mapHover.index")
        x_img = np.asarray(load_dataset("mnist-5k").x[index], np.float32).reshape(-1)
        assert page.evaluate(CANVAS_MEAN, "map-hover-image") == pytest.approx(255 * x_img.mean(), abs=1.0)
        model = load_model("mnist-2d")
        with torch.no_grad():
            recon = model.decode(model.encode(torch.from_numpy(x_img[None]))[0]).numpy()[0]
        assert page.evaluate(CANVAS_MEAN, "map-hover-recon") == pytest.approx(255 * recon.mean(), abs=1.5)
