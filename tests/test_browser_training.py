"""End to end: train in Chromium, watch it update, stop it, and pick the new model on another page."""

import pickle
import re

import pytest
from browser import NO_BUSY, chromium_page, require_chromium, screenshot, streamlit_server

from vae_core.vae.archive import export_archive
from vae_core.vae.registry import resolve

pytestmark = pytest.mark.browser


def epoch_shown(page) -> int:
    text = page.locator('[data-testid="stProgress"]').inner_text()
    match = re.search(r"epoch (\d+) of", text)
    return int(match.group(1)) if match else -1


def test_train_watch_stop_and_pick_the_model_elsewhere(tmp_path, monkeypatch):
    require_chromium()
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    with streamlit_server() as url, chromium_page(viewport=(1280, 1000)) as page:
        page.goto(f"{url}/training", wait_until="domcontentloaded")
        epochs = page.get_by_label("Epochs", exact=True)
        epochs.wait_for(timeout=90_000)
        # mnist-5k and 500 epochs: minutes of work, so the run is still going when the test stops it (in its own
        # process, 300 epochs of digits ended before the screenshots were done).
        page.locator('[data-testid="stSelectbox"]', has_text="Data set").click()
        page.get_by_role("option", name="mnist-5k", exact=True).click()
        page.wait_for_function(NO_BUSY, timeout=60_000)
        epochs.fill("500")
        epochs.press("Enter")
        page.get_by_role("button", name="Start training").click()
        page.locator('[data-testid="stProgress"]').wait_for(timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
        assert "(mnist-5k-2d)" in page.locator('[data-testid="stProgress"]').inner_text()
        first_epoch = epoch_shown(page)
        map_title = page.locator(".js-plotly-plot .gtitle", has_text="fixed validation images, epoch").text_content()
        page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text="fixed validation images")).evaluate(
            "g => g.scrollIntoView({block: 'end'})")  # the three charts in sight: out of sight they wait
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot[data-live-revision]').length === 3")
        page.locator(".grids canvas").first.wait_for()  # the image rows (in the component's shadow root)
        page.evaluate("() => { window.__graphs = [...document.querySelectorAll('.js-plotly-plot')]; }")
        page.locator(".grids canvas").first.evaluate("c => { window.__canvas = c; }")
        revisions = page.evaluate("() => window.__graphs.map(g => Number(g.dataset.liveRevision))")
        pictures = page.locator(".grids").get_attribute("data-revision")
        page.wait_for_timeout(2500)
        assert epoch_shown(page) > first_epoch  # the progress advances without a reload
        assert page.locator(".js-plotly-plot .gtitle", has_text="fixed validation images, epoch").text_content() != map_title
        # The charts were updated in place, each to a later epoch: no graph was replaced by a new one.
        assert page.evaluate("() => window.__graphs.every(g => g.isConnected)")
        later = page.evaluate("() => window.__graphs.map(g => Number(g.dataset.liveRevision))")
        assert all(b > a for a, b in zip(revisions, later, strict=True)), (revisions, later)
        # So were the image rows: the same canvas, repainted with a later epoch's pictures, not blank.
        assert page.locator(".grids").get_attribute("data-revision") != pictures
        assert page.evaluate("() => window.__canvas.isConnected")
        assert page.evaluate("() => { const c = window.__canvas; return c.getContext('2d')"
                             ".getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 < 3 && v > 128); }")
        # A chart out of sight is left alone while the run goes on, and catches up once it is back in view.
        curves = page.locator(".js-plotly-plot", has=page.locator(".annotation-text", has_text="ELBO"))
        page.locator(".grids").evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(400)
        away, epoch_away = curves.evaluate("g => Number(g.dataset.liveRevision)"), epoch_shown(page)
        page.wait_for_timeout(1500)
        assert curves.evaluate("g => Number(g.dataset.liveRevision)") == away and epoch_shown(page) > epoch_away
        curves.evaluate("g => g.scrollIntoView({block: 'start'})")
        page.wait_for_function(f"g => Number(g.dataset.liveRevision) > {away}", arg=curves.element_handle(),
                               timeout=2000)
        # A class hidden from the map's legend stays hidden, and a zoom stays, while the updates keep coming.
        live_map = page.locator(".js-plotly-plot", has=page.locator(".gtitle", has_text="fixed validation images"))
        live_map.evaluate("g => g.scrollIntoView({block: 'end'})")
        live_map.locator(".legend .traces").filter(has_text=re.compile(r"^0$")).locator(".legendtoggle").first.click()
        hidden = "g => g.data.find(t => t.name === '0').visible === 'legendonly'"
        live_map.evaluate(f"g => new Promise(ok => {{ const t = setInterval(() => ({hidden})(g) && (clearInterval(t), ok()), 50); }})")
        live_map.evaluate("g => window.Plotly.relayout(g, {'xaxis.range': [-1.5, 1.5], 'yaxis.range': [-1.5, 1.5]})")
        zoomed = live_map.evaluate("g => [g.layout.xaxis.range, g.layout.yaxis.range]")
        seen = live_map.evaluate("g => Number(g.dataset.liveRevision)")
        page.wait_for_timeout(2000)
        assert live_map.evaluate("g => Number(g.dataset.liveRevision)") > seen
        assert live_map.evaluate("g => g.data.find(t => t.name === '0').visible") == "legendonly"
        assert live_map.evaluate("g => [g.layout.xaxis.range, g.layout.yaxis.range]") == zoomed
        screenshot(page, "training_running_1280")
        page.set_viewport_size({"width": 1440, "height": 1000})
        page.wait_for_timeout(1200)
        screenshot(page, "training_running_1440")
        page.get_by_role("button", name="Stop and save").click()
        page.get_by_text("Saved as ★").wait_for(timeout=180_000)  # a stop waits for the batch in flight and the save
        saved = page.get_by_text("Saved as ★").inner_text()
        name = re.search(r"★ (\S+):", saved).group(1)
        screenshot(page, "training_stopped_1440")

        # checkpoints in: a valid archive is added, a pickle is refused with a message
        good = tmp_path / "good.zip"
        good.write_bytes(export_archive(resolve("digits-2d"), name="digits-2d"))
        evil = tmp_path / "evil.zip"
        evil.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
        uploader = page.locator('[data-testid="stFileUploader"] input[type=file]')
        uploader.set_input_files(str(good))
        page.get_by_text("Added as ★ good-").wait_for(timeout=60_000)
        uploaded = re.search(r"★ (\S+):", page.get_by_text("Added as ★").inner_text()).group(1)
        uploader.set_input_files(str(evil))
        page.get_by_text("is a pickle").wait_for(timeout=60_000)
        screenshot(page, "training_upload_refused_1440")

        page.goto(f"{url}/latent_map", wait_until="domcontentloaded")
        picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
        picker.wait_for(timeout=90_000)
        picker.click()
        for own in (name, uploaded):
            option = page.get_by_role("option", name=f"★ {own} (yours)")
            option.wait_for(timeout=30_000)
            assert option.count() == 1
