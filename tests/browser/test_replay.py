"""Replay a training: a finished run on the Train page replays its epochs in the browser, the slider and the
play button redraw the map, the curves and the image rows from what the model keeps, with no server call."""

import numpy as np
import pytest

from testkit.browser import chromium_page, require_chromium, screenshot, streamlit_server
from testkit.training import start_run
from vae_core.data.datasets import load_dataset
from vae_core.vae.registry import list_models, model_replay

pytestmark = pytest.mark.browser

EPOCHS = 6


def canvas_pixels(page, testid: str) -> np.ndarray:
    data = page.get_by_test_id(testid).evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    return np.asarray(data, np.uint8)


def test_a_finished_run_replays_its_epochs_in_the_browser(tmp_path, monkeypatch):
    require_chromium()
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    with streamlit_server() as url, chromium_page(viewport=(1280, 1000)) as page:
        start_run(page, url, "digits", EPOCHS)
        page.get_by_text("Replay this training").wait_for(timeout=180_000)
        replay_el = page.get_by_test_id("replay")
        replay_el.wait_for(timeout=60_000)
        label = page.get_by_test_id("replay-label")
        assert label.inner_text() == f"epoch {EPOCHS} of {EPOCHS}"
        # What the browser draws is what the model keeps: the originals row, pixel for pixel.
        (name,) = [m for m in list_models() if m.startswith("user:")]
        kept = model_replay(name)
        assert kept.epochs.tolist() == list(range(1, EPOCHS + 1))
        canvas = page.get_by_test_id("replay-originals")
        scale = canvas.evaluate("c => c.width") // (kept.originals.shape[2] * len(kept.originals))
        assert scale * kept.originals.shape[2] >= 48  # an 8 x 8 digit is drawn at least 48 px wide
        rows = canvas_pixels(page, "replay-originals").reshape(kept.originals.shape[1] * scale, -1, 4)
        first = rows[::scale, : kept.originals.shape[2] * scale : scale, 0]
        np.testing.assert_array_equal(first, kept.originals[0])
        # The live map (uPlot, above the replay): hovering a point shows that validation image, no server call.
        live_map = page.locator("[data-chart=map]")
        live_map.scroll_into_view_if_needed()
        page.wait_for_function("() => window.__vaeLiveCells && window.__vaeLiveCells.map && "
                               "window.__vaeLiveCells.map.dataset.hoverReady === 'true' && "
                               "Object.values(window.__vaeTrainHover.sheets).every(i => i.complete)", timeout=30_000)
        x, y = page.evaluate("() => { const u = window.__vaeLiveCells.map.__uplot, r = u.over.getBoundingClientRect();"
                             " const [xs, ys] = u.data[1]; return [r.left + u.valToPos(xs[0], 'x'),"
                             " r.top + u.valToPos(ys[0], 'y')]; }")
        page.mouse.move(x, y)
        page.wait_for_function("() => window.__trainHover", timeout=10_000)
        index = page.evaluate("() => window.__trainHover.index")
        image = load_dataset("digits").x[index]
        mean = page.get_by_test_id("train-hover-image").evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let s = 0;"
            " for (let i = 0; i < d.length; i += 4) s += d[i]; return s / (d.length / 4); }")
        assert mean == pytest.approx(255 * float(np.mean(image)), abs=1.0)
        assert page.get_by_test_id("train-hover-card").is_visible()
        page.mouse.move(5, 5)
        replay_el.scroll_into_view_if_needed()
        screenshot(page, "replay-train-1280")
        last_recon, last_map = canvas_pixels(page, "replay-reconstructions"), canvas_pixels(page, "replay-map")
        sent = page.evaluate("() => { window.__sent = 0; const s = WebSocket.prototype.send; "
                             "WebSocket.prototype.send = function (...a) { window.__sent++; return s.apply(this, a); };"
                             " return 0; }")
        slider = page.get_by_test_id("replay-slider")
        slider.evaluate("s => { s.value = '0'; s.dispatchEvent(new Event('input')); }")
        assert replay_el.get_attribute("data-epoch") == "1" and label.inner_text() == f"epoch 1 of {EPOCHS}"
        assert not np.array_equal(canvas_pixels(page, "replay-reconstructions"), last_recon)
        assert not np.array_equal(canvas_pixels(page, "replay-map"), last_map)
        page.get_by_test_id("replay-play").click()
        replay_el.evaluate("(e, n) => new Promise((ok) => { const t = setInterval(() => { "
                           "if (e.dataset.epoch === String(n)) { clearInterval(t); ok(); } }, 20); })", EPOCHS)
        np.testing.assert_array_equal(canvas_pixels(page, "replay-reconstructions"), last_recon)
        assert page.evaluate("() => window.__sent") == sent  # no message to the server while replaying
        assert float(replay_el.get_attribute("data-draw-ms")) >= 0
