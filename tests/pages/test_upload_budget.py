"""The upload page bounds the decoded pixels of a whole batch (issue 24, section 3): files past the budget get a
one-line message each and are never decoded, and the rest of the batch is encoded as usual."""

import io

import numpy as np
from PIL import Image

from testkit.apptest import new_page
from vae_core.data import imageio


def _png(size: int) -> bytes:
    arr = np.full((size, size), 232, dtype=np.uint8)
    arr[size // 7: -size // 7, size // 2 - size // 12: size // 2 + size // 12] = 25  # a 1
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def test_files_past_the_batch_budget_are_refused_one_line_each_and_the_rest_goes_on(monkeypatch):
    # The real budget is 120 megapixels; scaled down so that small files show the same thing.
    monkeypatch.setattr(imageio, "MAX_BATCH_PIXELS", 50_000)
    decoded = []
    real_open = imageio.open_image

    def recording(source, name=None, *args, **kwargs):
        decoded.append(name)
        return real_open(source, name, *args, **kwargs)

    monkeypatch.setattr("app.upload.cache.open_image", recording)
    at = new_page("upload", timeout=240, upload_model="mnist-2d")
    at.run()
    at.file_uploader[0].set_value([
        ("first.png", _png(140), "image/png"),  # 19,600 pixels
        ("second.png", _png(150), "image/png"),  # 22,500: 42,100 together
        ("big.png", _png(200), "image/png"),  # 40,000 more: refused
        ("also_big.png", _png(100), "image/png"),  # 10,000 more: refused
        ("small.png", _png(80), "image/png"),  # 6,400: 48,500 together, still within
    ])
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert [e.split(":")[0] for e in errors] == ["big.png", "also_big.png"]
    assert all("not decoded" in e and "0.05 megapixels together" in e and "\n" not in e for e in errors)
    assert sorted(decoded) == ["first.png", "second.png", "small.png"]
    assert at.dataframe[0].value["file"].tolist() == ["first.png", "second.png", "small.png"]
