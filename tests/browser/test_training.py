"""End to end: train in Chromium, watch it update, stop it, and pick the new model on another page."""

import pickle
import re

import pytest

from testkit.browser import NO_BUSY, chromium_page, require_chromium, screenshot, streamlit_server
from testkit.training import epoch_shown
from vae_core.vae.archive import export_archive
from vae_core.vae.registry import resolve

pytestmark = pytest.mark.browser


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
        # Every update drawn is also announced on the document (python -m bench.bench_train times epochs with it).
        page.evaluate("() => { window.__shown = []; document.addEventListener('live-plots:shown', "
                      "(e) => window.__shown.push(e.detail)); }")
        page.get_by_role("button", name="Start training").click()
        page.locator('[data-testid="stProgress"]').wait_for(timeout=60_000)
        live_map = page.locator("[data-chart=map]")  # the charts (uPlot) are in the component's shadow root
        live_map.wait_for(timeout=60_000)
        assert "(mnist-5k, d=2, Bernoulli, KL weight 1)" in page.locator('[data-testid="stProgress"]').inner_text()
        first_epoch = epoch_shown(page)
        map_title = live_map.locator(".u-title").text_content()
        live_map.evaluate("e => e.scrollIntoView({block: 'end'})")  # every chart in sight: out of sight they wait
        charts = page.locator("[data-chart]")
        assert charts.evaluate_all("els => els.map(e => e.dataset.chart)") == [
            "curves-elbo", "curves-reconstruction", "curves-kl", "kl", "map"]
        page.locator(".grids canvas").first.wait_for()  # the image rows (in the component's shadow root)
        charts.evaluate_all("els => { window.__charts = els; "
                            "window.__plots = els.map(e => e.querySelector('canvas')); }")
        page.locator(".grids canvas").first.evaluate("c => { window.__canvas = c; }")
        revisions = charts.evaluate_all("els => els.map(e => Number(e.dataset.liveRevision))")
        pictures = page.locator(".grids").get_attribute("data-revision")
        page.wait_for_timeout(2500)
        assert epoch_shown(page) > first_epoch  # the progress advances without a reload
        assert live_map.locator(".u-title").text_content() != map_title
        # The charts were updated in place, each to a later epoch: no chart or canvas was replaced by a new one.
        assert page.evaluate("() => [...window.__charts, ...window.__plots].every(e => e.isConnected)")
        later = charts.evaluate_all("els => els.map(e => Number(e.dataset.liveRevision))")
        assert all(b > a for a, b in zip(revisions, later, strict=True)), (revisions, later)
        run_view = live_map.get_attribute("data-view")
        announced = page.evaluate("() => window.__shown.filter(d => d.chart === 'curves-elbo')")
        assert run_view.startswith("run ") and announced[-1]["view"] == run_view
        assert announced[-1]["revision"] >= later[0]  # (one more may have been drawn since)
        assert len(announced) >= 2 and all(a["revision"] < b["revision"] for a, b in zip(announced, announced[1:]))
        # The map's canvas has points of several classes' colours on it, not a blank plot.
        coloured = live_map.locator("canvas").evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const seen = new Set();"
            " for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.max(d[i], d[i + 1], d[i + 2]) -"
            " Math.min(d[i], d[i + 1], d[i + 2]) > 60) seen.add(d[i] >> 5 << 6 | d[i + 1] >> 5 << 3 | d[i + 2] >> 5);"
            " return seen.size; }")
        assert coloured >= 5, coloured
        # So were the image rows: the same canvas, repainted with a later epoch's pictures, not blank.
        assert page.locator(".grids").get_attribute("data-revision") != pictures
        assert page.evaluate("() => window.__canvas.isConnected")
        assert page.evaluate("() => { const c = window.__canvas; return c.getContext('2d')"
                             ".getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 < 3 && v > 128); }")
        # A chart out of sight is left alone while the run goes on, and catches up once it is back in view.
        curves = page.locator("[data-chart=curves-elbo]")
        page.locator(".grids").evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(400)
        away, epoch_away = int(curves.get_attribute("data-live-revision")), epoch_shown(page)
        page.wait_for_timeout(1500)
        assert int(curves.get_attribute("data-live-revision")) == away and epoch_shown(page) > epoch_away
        curves.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_function(f"e => Number(e.dataset.liveRevision) > {away}", arg=curves.element_handle(),
                               timeout=2000)
        # A class hidden from the map's legend stays hidden, and a zoom stays, while the updates keep coming.
        live_map.evaluate("e => e.scrollIntoView({block: 'end'})")
        zero = live_map.locator(".u-legend .u-series").filter(has_text=re.compile(r"^\s*0\s*$"))
        zero.click()
        scales = "e => [e.__uplot.scales.x.min, e.__uplot.scales.x.max, e.__uplot.scales.y.min]"
        before = live_map.evaluate(scales)
        box = live_map.locator(".u-over").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7, steps=5)
        page.mouse.up()
        zoomed = live_map.evaluate(scales)
        assert zoomed[1] - zoomed[0] < 0.5 * (before[1] - before[0])  # the drag zoomed in
        seen = int(live_map.get_attribute("data-live-revision"))
        page.wait_for_timeout(2000)
        assert int(live_map.get_attribute("data-live-revision")) > seen
        assert "u-off" in zero.get_attribute("class")
        assert live_map.evaluate("e => e.__uplot.series.find(s => s.label === '0').show") is False
        assert live_map.evaluate(scales) == pytest.approx(zoomed)
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
