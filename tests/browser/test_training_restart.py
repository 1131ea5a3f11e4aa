"""End to end: a run survives a restart. Start a run in Chromium, stop the server with SIGTERM mid-run, start
it again on the same port and data directory, reopen the run's address: it is interrupted, its checkpoint kept
and pickable, and Resume takes it to the end with its epochs continuing."""

import re

import pytest

import vae_core
from testkit.browser import StreamlitServer, chromium_page, open_option, require_chromium, screenshot
from testkit.training import epoch_shown, start_run

pytestmark = pytest.mark.browser

EPOCHS = 40


def test_a_run_interrupted_by_a_restart_is_found_again_and_resumed_to_the_end(tmp_path, monkeypatch):
    require_chromium()
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "data" / "models"))
    monkeypatch.setenv("VAE_EXPLORER_CHECKPOINT_EPOCHS", "2")
    server = StreamlitServer()
    try:
        url = server.start()
        with chromium_page(viewport=(1280, 1000)) as page:  # one browser: its cookie is the visitor
            start_run(page, url, "mnist-5k", EPOCHS)
            page.locator('[data-testid="stProgress"]').wait_for(timeout=60_000)
            page.wait_for_function(
                "() => /epoch ([3-9]|[1-3][0-9]) of/.test(document.querySelector('[data-testid=stProgress]')"
                "?.innerText ?? '')", timeout=180_000)
            assert "run=1" in page.url
            address = page.url
            assert 3 <= epoch_shown(page) < EPOCHS

            server.terminate()  # SIGTERM mid-run, as a deploy or a shutdown does
            url = server.start()  # the same port, the same data directory
            page.goto(address, wait_until="domcontentloaded")
            warning = page.get_by_text("This run was interrupted at epoch")
            warning.wait_for(timeout=90_000)
            text = warning.inner_text()
            kept = int(re.search(r"its last checkpoint, epoch (\d+), is kept as ★ (\S+) ", text).group(1))
            name = re.search(r"is kept as ★ (\S+) ", text).group(1)
            assert kept >= 2 and kept % 2 == 0
            assert len(vae_core.model_card(f"user:{name}")["history"]) == kept  # a loadable model
            picker = page.locator('[data-testid="stSelectbox"]', has_text="Model to download")
            open_option(page, picker, f"★ {name} (yours)")  # selectable
            page.keyboard.press("Escape")
            warning.scroll_into_view_if_needed()
            screenshot(page, "training_interrupted_1280")

            page.get_by_role("button", name=f"Resume from epoch {kept}").click()
            page.get_by_text("Saved as ★").wait_for(timeout=400_000)
            assert epoch_shown(page) == EPOCHS and "finished" in page.locator('[data-testid="stProgress"]').inner_text()
            history = vae_core.model_card(f"user:{name}")["history"]
            assert [r["epoch"] for r in history] == list(range(1, EPOCHS + 1))  # the epoch count continued
            page.get_by_text("Saved as ★").scroll_into_view_if_needed()
            screenshot(page, "training_resumed_1280")
    finally:
        server.stop()
