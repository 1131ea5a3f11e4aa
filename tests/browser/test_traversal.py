"""End to end: drag a live slider in headless Chromium against a real `streamlit run`."""

import base64
import io

import numpy as np
import pytest
import torch
from PIL import Image

from testkit.browser import chromium_page, screenshot, settled_box
from vae_core import load_model

pytestmark = pytest.mark.browser


def open_page(page, url, model: str | None = None):
    """The traversal page (it opens on mnist-2d), on `model` when one is given."""
    page.goto(f"{url}/traversal", wait_until="domcontentloaded")
    page.locator('[data-testid="live-image"]').wait_for(timeout=90_000)
    page.wait_for_function("() => window.__liveDecoder && window.__liveDecoder.frames >= 1", timeout=30_000)
    if model is not None:
        d = load_model(model).config.latent_dim
        page.get_by_role("combobox").first.click()  # the sidebar model picker
        page.get_by_role("option", name=model, exact=True).click()
        page.wait_for_function(f"() => window.__liveDecoder && window.__liveDecoder.z.length === {d}"
                               " && window.__liveDecoder.frames >= 1", timeout=90_000)


def drag_top_slider(page, steps=8, hold=None):
    """Press the most informative dimension's handle (value 0, mid-track) and move right in steps.

    Returns the canvas images seen while the button was still down; `hold` runs before release.
    """
    slider = page.locator(".controls > .row[data-dim] input[type=range]").first
    canvas = page.locator('[data-testid="live-image"]')
    box = settled_box(page, slider)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    seen = [canvas.evaluate("c => c.toDataURL()")]
    for i in range(1, steps + 1):
        page.mouse.move(x + i * box["width"] / (2.5 * steps), y)
        seen.append(canvas.evaluate("c => c.toDataURL()"))
    if hold:
        hold()
    page.mouse.up()
    return seen


def server_image_after(page, seq):
    """The server's decode of release #seq, as the component draws it beside the browser's."""
    note = page.locator('[data-testid="server-note"]')
    page.wait_for_function("([el, s]) => el.textContent.includes(`release #${s}`)", arg=[note.element_handle(), seq],
                           timeout=30_000)
    url = page.locator('[data-testid="server-image"]').evaluate("c => c.toDataURL()")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("L"))


def test_dragging_decodes_live_and_the_release_matches_the_server(server):
    model = load_model("mnist-16d")
    with chromium_page() as page:
        open_page(page, server, "mnist-16d")
        frames_before = page.evaluate("() => window.__liveDecoder.frames")
        seen = drag_top_slider(page)
        changes = sum(a != b for a, b in zip(seen, seen[1:]))
        assert changes >= 2, f"the image changed only {changes} times during the drag"
        assert page.evaluate("() => window.__liveDecoder.frames") - frames_before >= 2
        state = page.evaluate("() => window.__liveDecoder")
        z = np.asarray(state["z"])
        assert np.count_nonzero(z) == 1 and z.max() > 0.5  # one dimension moved, to the right

        want = model.decode(torch.tensor(z[None], dtype=torch.float32)).detach().numpy()[0]
        assert np.max(np.abs(np.asarray(state["pixels"]) - want)) <= 1e-4  # browser == PyTorch

        # The component itself shows the server's decode of this very release beside the live image.
        page.wait_for_function("(s) => window.__liveConfirm && window.__liveConfirm.seq === s", arg=state["seq"],
                               timeout=30_000)
        assert f"release #{state['seq']}" in page.locator('[data-testid="server-note"]').text_content()
        shown = server_image_after(page, state["seq"])
        scale = shown.shape[0] // 28
        assert shown.shape == (28 * scale, 28 * scale)
        # The shown PNG is the server's decode of the released z, to the 8-bit rounding (+-1 at .5 ties).
        diff = np.abs(shown[::scale, ::scale].astype(int) - np.round(want.reshape(28, 28) * 255).astype(int))
        assert diff.max() <= 1 and shown.std() > 10
        page.get_by_text("Browser and server decodes of this z match").wait_for(timeout=10_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        page.wait_for_timeout(300)
        screenshot(page, "traversal")


def test_inactive_dimensions_are_grouped_collapsed_and_labelled(server):
    from vae_core import load_dataset
    from vae_core.latent.aggregate import encode_dataset
    from vae_core.latent.traversal import average_kl, kl_order

    model = load_model("mnist-16d")
    data = load_dataset("mnist-5k")
    active, inactive = kl_order(average_kl(*encode_dataset(model, data.x)))
    assert inactive, "mnist-16d should have dimensions under 0.01 nats"
    with chromium_page() as page:
        open_page(page, server, "mnist-16d")
        group = page.locator('[data-testid="inactive-group"]')
        assert group.evaluate("d => d.open") is False  # collapsed
        assert f"{len(inactive)} inactive dimension(s)" in group.locator("summary").text_content()
        dims = group.locator('input[type=range]').evaluate_all("els => els.map(e => e.dataset.testid)")
        assert sorted(dims) == sorted(f"slider-{d}" for d in inactive)
        shown = page.locator('[data-testid^="slider-"]').evaluate_all("els => els.map(e => e.dataset.testid)")
        assert shown[:len(active)] == [f"slider-{d}" for d in active]  # active ones first, in KL order


def test_typed_value_is_clamped_and_the_2d_marker_moves(server):
    with chromium_page() as page:
        open_page(page, server)
        page.get_by_role("combobox").first.click()  # the sidebar model picker
        page.get_by_role("option", name="mnist-2d").click()
        page.wait_for_function("() => window.__liveDecoder && window.__liveDecoder.z.length === 2", timeout=60_000)
        live_map = page.locator('[data-testid="live-map"]')
        assert live_map.is_visible()
        before = live_map.evaluate("c => c.toDataURL()")
        seen_map = []
        drag_top_slider(page, steps=4, hold=lambda: seen_map.append(live_map.evaluate("c => c.toDataURL()")))
        assert seen_map[0] != before  # the marker moved before the mouse was released

        box = page.locator('[data-testid^="box-"]').first
        box.fill("9")
        box.press("Enter")
        note = page.locator('[data-testid="live-note"]')
        page.wait_for_function("el => el.textContent.includes('clamped')", arg=note.element_handle())
        assert "outside the slider range" in note.text_content()
        assert box.input_value() == "4"
        # Letters in a number box reach the page as an empty value; say what is wanted.
        box.fill("")
        box.press_sequentially("e")
        box.press("Enter")
        page.wait_for_function("el => el.textContent.includes('type a number')", arg=note.element_handle())
        assert '""' not in note.text_content() and "kept 4" in note.text_content()
        # One decode in the last second reads "1 frame", not "1 frames".
        page.wait_for_timeout(1200)
        # The change handler decodes at once, so the text right after it counts exactly that one frame.
        text = box.evaluate("""b => { b.value = "1"; b.dispatchEvent(new Event("change"));
            return b.getRootNode().querySelector('[data-testid="live-fps"]').textContent; }""")
        assert text == "browser decode: 1 frame in the last second"
        page.wait_for_timeout(500)
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "traversal-2d")
