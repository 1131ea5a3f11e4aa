"""The upload page driven by AppTest: a batch with good and bad files, honest previews, and a default model
that reads digits."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from testkit.apptest import new_page
from vae_core.images.preprocess import preprocess


def _bytes(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _one(size=140):
    arr = np.full((size, size), 232, dtype=np.uint8)
    arr[20:120, 64:76] = 25
    return Image.fromarray(arr)


def _zero(size=160):
    yy, xx = np.mgrid[:size, :size]
    r = np.hypot((yy - size / 2) / 1.3, xx - size / 2)
    arr = np.where((r > 35) & (r < 50), 30, 225).astype(np.uint8)
    return Image.fromarray(np.stack([arr] * 3, -1))


@pytest.fixture(scope="module")
def page():
    at = new_page("upload", timeout=240).run()
    assert not at.exception, at.exception
    return at


def test_the_page_explains_what_it_accepts_before_any_upload(page):
    uploader = page.file_uploader[0]
    assert uploader.accept_multiple_files
    assert {"png", "jpg", "jpeg"} <= {t.lstrip(".") for t in uploader.allowed_type}
    assert "PNG, JPG" in uploader.label and "64" in uploader.label
    assert any("Upload an image or draw" in i.value for i in page.info)


def test_a_mixed_batch_encodes_the_good_files_and_names_each_bad_one(page):
    page.file_uploader[0].set_value([
        ("one.png", _bytes(_one(), "PNG"), "image/png"),
        ("empty.png", b"", "image/png"),
        ("zero.jpg", _bytes(_zero(), "JPEG", quality=75), "image/jpeg"),
        ("white.png", _bytes(Image.new("L", (60, 60), 255), "PNG"), "image/png"),
        ("text.jpg", b"not really a jpeg", "image/jpeg"),
    ])
    at = page.run()
    assert not at.exception, at.exception
    errors = sorted(e.value for e in at.error)  # by file name: refusals before decoding come first
    assert len(errors) == 3, errors
    errors = [errors[0], errors[2], errors[1]]  # empty, white, text
    assert errors[0].startswith("empty.png:") and "empty" in errors[0]
    assert errors[1].startswith("white.png:") and "no ink" in errors[1]
    assert errors[2].startswith("text.jpg:") and "not an image" in errors[2]
    panels = [e.label for e in at.expander if " — guess " in e.label]
    assert panels[0].startswith("one.png — guess 1") and panels[1].startswith("zero.jpg — guess 0"), panels
    labels = [m.label for m in at.metric]
    assert labels.count("ELBO") == 2 and "log p(x), IW K=256" in labels and "IW − ELBO" in labels
    iw = next(m for m in at.metric if m.label == "log p(x), IW K=256")
    assert iw.proto.delta.startswith("ESS ") and "lower bound" in iw.proto.help  # the ESS beside it, called a bound
    assert len(at.get("plotly_chart")) == 1 + 2  # the map, and the true posterior of each image (2-D)
    assert at.get("download_button")[0].proto.label == "Download codes and figures (CSV)"
    tex = " ".join(x.value for x in at.latex)
    for part in (r"\mathrm{ELBO}(x)", r"\log \sigma_j^2", r"\frac{1}{K}", r"\mathrm{Var}_{z\sim q(z\mid x)}"):
        assert part in tex
    captions = " ".join(c.value for c in at.caption)
    assert "percentile of 500 training images" in captions
    buttons = {b.label: b for b in at.button}
    assert not buttons["Open in traversal"].disabled
    assert not buttons["Interpolate between these two uploads"].disabled  # two different uploads are picked


def test_a_digits_model_gets_8x8_inputs(page):
    page.sidebar.selectbox[0].select("digits-2d")
    page.file_uploader[0].set_value(("one.png", _bytes(_one(), "PNG"), "image/png"))
    at = page.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    captions = [i.caption for im in at.get("image") for i in im.proto.imgs]
    assert "7 frame: 4x4 block average into 8x8" in captions
    assert sum(bool(re.fullmatch(r"\d · d=\d+\.\d\d", c)) for c in captions) == 8  # the neighbours


@pytest.fixture(autouse=True, scope="module")
def _needs_models():
    from vae_core import list_models

    missing = {"mnist-2d", "digits-2d"} - set(list_models())
    if missing:
        pytest.fail(f"pretrained models missing: {sorted(missing)}")


def test_a_16d_model_is_mapped_in_its_pca_plane(page):
    page.sidebar.selectbox[0].select("mnist-16d")
    page.file_uploader[0].set_value(("zero.jpg", _bytes(_zero(), "JPEG"), "image/jpeg"))
    at = page.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("PCA plane of the 16-D codes" in c.value for c in at.caption)
    assert any(e.label.startswith("zero.jpg — guess 0") for e in at.expander)

def test_traversal_actions_hand_over_the_codes(monkeypatch):
    # AppTest runs the page in this process, so the page sees this patch: a
    # switch_page that records where it goes.
    import streamlit as st

    visits = []
    monkeypatch.setattr(st, "switch_page", lambda page: visits.append(page))
    at = new_page("upload", timeout=240)
    at.session_state["upload_model"] = "mnist-2d"
    at.run()
    at.file_uploader[0].set_value([("one.png", _bytes(_one(), "PNG"), "image/png"),
                                   ("zero.jpg", _bytes(_zero(), "JPEG"), "image/jpeg")]).run()
    buttons = [b for b in at.button if b.label == "Open in traversal"]
    assert len(buttons) == 2 and not buttons[1].disabled
    buttons[1].click().run()
    start = at.session_state["traversal_start"]
    assert start["model"] == "mnist-2d" and start["source"] == "upload: zero.jpg"
    assert len(start["z"]) == 2 and all(isinstance(v, float) for v in start["z"])
    assert visits == ["app/pages/traversal.py"]
    [interp] = [b for b in at.button if b.label == "Interpolate between these two uploads"]
    interp.click().run()
    ends = at.session_state["interpolate_endpoints"]
    assert ends["labels"] == ["one.png", "zero.jpg"] and ends["b"] == start["z"] and ends["a"] != ends["b"]
    assert visits == ["app/pages/traversal.py"] * 2
    [to_map] = [b for b in at.button if b.label == "Explore this latent space on the latent map"]
    to_map.click().run()
    assert visits[-1] == "app/pages/latent_map.py" and at.session_state["map_model"] == "mnist-2d"


def test_a_large_batch_gets_a_summary_table_and_full_panels_for_a_few(page):
    from app.upload.view import DETAILED

    n = DETAILED + 3
    # Shifted copies of the "1", so each file has its own bytes (the page caches per file).
    files = [(f"one_{i:02d}.png", _bytes(_one().transform((140, 140), Image.AFFINE, (1, 0, i - 5, 0, 1, 0),
                                                         fillcolor=232), "PNG"), "image/png") for i in range(n)]
    page.file_uploader[0].set_value(files)
    at = page.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not at.warning
    table = at.dataframe[0].value
    assert list(table["file"]) == [f[0] for f in files]
    assert table["input"].str.startswith("data:image/png;base64,").all()
    assert (table["kNN guess"] == "1").sum() >= n - 2
    panels = [e.label for e in at.expander if " — guess " in e.label]
    assert len(panels) == DETAILED + 1 and panels[-1].startswith(f"one_{DETAILED:02d}.png")
    at.selectbox(key="upload_detail").select(n - 1).run()
    panels = [e.label for e in at.expander if " — guess " in e.label]
    assert panels[-1].startswith(f"one_{n - 1:02d}.png") and not at.exception


def test_more_than_64_files_are_cut_to_64_and_the_user_is_told(page):
    files = [(f"one_{i:02d}.png", _bytes(_one().transform((140, 140), Image.AFFINE, (1, 0, i % 7 - 3, 0, 1, 0),
                                                         fillcolor=232), "PNG"), "image/png") for i in range(65)]
    page.file_uploader[0].set_value(files)
    at = page.run()
    assert not at.exception, at.exception
    assert any("65 files uploaded; only the first 64" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 64


def test_a_picture_unlike_any_digit_is_flagged_out_of_distribution(page):
    page.sidebar.selectbox[0].select("mnist-2d")
    yy, xx = np.mgrid[:140, :140]
    checker = np.where(((yy // 20) + (xx // 20)) % 2 == 0, 20, 230).astype(np.uint8)
    page.file_uploader[0].set_value([("checker.png", _bytes(Image.fromarray(checker), "PNG"), "image/png"),
                                     ("one.png", _bytes(_one(), "PNG"), "image/png")])
    at = page.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    panels = [e.label for e in at.expander if " — guess " in e.label]
    assert panels[0].endswith("out of distribution") and not panels[1].endswith("out of distribution"), panels
    assert any(w.value.startswith("Out of distribution: log p(x) =") for w in at.warning)
    assert list(at.dataframe[0].value["out of distribution"]) == [True, False]
    assert any(r"\text{out of distribution if }" in x.value for x in at.latex)


def test_previews_pad_with_transparency_and_keep_a_transparent_pngs_look():
    rgba = np.zeros((200, 80, 4), dtype=np.uint8)      # narrow, fully transparent black...
    rgba[30:170, 30:50] = (20, 20, 20, 255)            # ...with an opaque dark stroke
    steps = preprocess(Image.fromarray(rgba, "RGBA")).steps
    first = steps[0].preview
    assert first.shape[2] == 4
    assert first[:, :5, 3].max() == 0                  # the letterbox is transparent, not a slate band
    assert (first[..., 3] == 0).mean() > 0.5           # the transparent background stays transparent
    assert (first[..., 3] == 255).any()                # and the stroke is drawn


def test_a_crop_that_is_all_ink_stays_visible_on_a_white_page():
    from vae_core.images.preprocess import _preview

    preview = _preview(np.ones((220, 25), dtype=np.float32))  # a thin "1" cropped to its ink: all white
    rgb, alpha = preview[..., :3].astype(float), preview[..., 3:].astype(float) / 255
    on_white = rgb * alpha + 255 * (1 - alpha)
    drawn = np.argwhere(on_white.min(axis=2) < 200)
    assert len(drawn), "a white crop on a white page shows nothing"
    (top, left), (bottom, right) = drawn.min(axis=0), drawn.max(axis=0)
    assert (top, bottom) == (0, 111) and 40 < left < right < 72  # the frame outlines the image's own extent
    assert preview[:, :5, 3].max() == 0  # and the letterbox stays transparent


def test_upload_page_defaults_to_mnist_2d_like_every_page():
    at = new_page("upload", timeout=240).run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox[0].value == "mnist-2d"


def test_upload_map_frames_the_codes_and_labels_the_star_above_the_points():
    from app.upload.view import latent_map

    class Proj:
        identity, explained = True, None

        @staticmethod
        def points(mu):
            return np.asarray(mu)[:, :2]

        @staticmethod
        def covariance(sigma):
            return np.diag(np.asarray(sigma)[:2] ** 2)

    class Ref:
        class_names = ["a", "b"]
        points = np.concatenate([np.random.default_rng(0).normal(size=(998, 2)), [[12.0, 0.0], [-12.0, 0.0]]])
        labels = np.arange(1000) % 2
        projection = Proj()

    class Res:
        name, guess, mu, sigma = "seven.png", 7, np.array([1.0, 0.5]), np.array([0.2, 0.2])

    fig = latent_map(Ref(), [Res()], selected=0)
    x0, x1 = fig.layout.xaxis.range
    assert -5 < x0 < -2 and 2 < x1 < 5  # the two outliers at +-12 no longer set the frame
    # With equal scales, a wide page must shrink the plot, not widen the x range (-8..8 at 1440 px).
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.xaxis.constrain == "domain"
    star = [t for t in fig.data if t.name == "seven.png"][0]
    assert star.marker.size >= 20 and star.mode == "markers"
    assert fig.layout.annotations[0].text.startswith("seven") and fig.layout.annotations[0].bgcolor


def test_the_reference_is_built_in_the_background_once_before_the_first_upload(monkeypatch, tmp_path):
    """The first upload waited for the model's IW log p(x) reference (5.5 of 6 s).
    Opening the page starts it in a thread; an upload then finds it cached, and it is computed once."""
    import threading

    from app.upload import cache

    calls = []
    real = cache.reference_log_px
    gate = threading.Event()

    def counted(model, x, *args, **kwargs):
        if x.shape[-1] == 64:  # digits-2d's (other pages' warm-ups may run in this process too)
            calls.append(1)
            gate.wait(30)  # still running when the second warm-up request comes
        return real(model, x, *args, **kwargs)

    monkeypatch.setattr(cache, "reference_log_px", counted)
    monkeypatch.setenv("VAE_CORE_CACHE", str(tmp_path))  # an empty disk cache: it must really compute
    cache.reference.clear()
    cache.warm_reference("digits-2d")
    cache.warm_reference("digits-2d")  # a second visitor opening the page meanwhile starts nothing new
    threads = [t for t in threading.enumerate() if t.name == "warm-reference-digits-2d"]
    assert len(threads) == 1 and not threads[0].daemon  # a process exiting meanwhile waits for it
    gate.set()
    threads[0].join(60)
    assert not threads[0].is_alive() and len(calls) == 1
    ref = cache.reference("digits-2d")  # the upload: a cache hit, nothing recomputed
    assert len(calls) == 1 and len(ref.log_px) > 0
    cache.reference.clear()
    again = cache.reference("digits-2d")  # a restarted server: read back from disk, not recomputed
    assert len(calls) == 1 and np.array_equal(again.log_px, ref.log_px)
    cache.reference.clear()


def test_the_reference_draws_from_its_own_generator():
    """Built in a background thread, it must neither advance nor depend on torch's global generator,
    which a visitor's seeded computation in another thread may be using at that moment."""
    import torch

    from vae_core import load_dataset, load_model
    from vae_core.images.report import reference_log_px

    model, data = load_model("digits-2d"), load_dataset("digits")
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = reference_log_px(model, data.x, n=50)
    assert torch.equal(torch.rand(3), expected_next)
    torch.manual_seed(7)
    np.testing.assert_array_equal(reference_log_px(model, data.x, n=50), first)
