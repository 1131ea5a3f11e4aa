"""Issue 13 items 18 and 23 on the upload page: honest previews and a default model that reads digits."""


import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from testkit import REPO
from vae_core.images.preprocess import preprocess


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


def test_upload_page_defaults_to_mnist_16d_and_says_why():
    at = AppTest.from_file(str(REPO / "app/pages/upload.py"), default_timeout=240).run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox[0].value == "mnist-16d"
    assert any("mnist-16d by default" in c.value and "mnist-2d" in c.value for c in at.caption)


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
    """Issue 13 item 14: the first upload waited for the model's IW log p(x) reference (5.5 of 6 s).
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
