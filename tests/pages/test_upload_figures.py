"""The upload page shows one log p(x) figure per image, with its ESS, and the true-posterior heading only where
the true posterior is drawn (a 2-D latent)."""

import io

import numpy as np
import pytest
from PIL import Image

from testkit.apptest import assert_ok, new_page


def _one_png() -> bytes:
    arr = np.full((140, 140), 232, dtype=np.uint8)
    arr[20:120, 64:76] = 25
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def _opened(model: str):
    at = new_page("upload", timeout=240, upload_model=model).run()
    at.file_uploader[0].set_value([("one.png", _one_png(), "image/png")])
    at = at.run()
    assert_ok(at)
    return at


def _all_text(at) -> str:
    parts = [m.label for m in at.metric] + [m.value for m in at.metric]
    for kind in ("caption", "markdown", "warning", "info"):
        parts += [e.value for e in at.get(kind)]
    return "\n".join(parts)


@pytest.mark.parametrize("model", ["mnist-2d", "mnist-16d"])
def test_one_importance_weighted_log_px_per_image_with_its_ess(model):
    at = _opened(model)
    iw = [m for m in at.metric if "IW" in m.label and "ELBO" not in m.label]
    assert [m.label for m in iw] == ["log p(x), IW K=256"], [m.label for m in at.metric]
    assert iw[0].proto.delta.startswith("ESS ") and iw[0].proto.delta.endswith(" of 256")
    text = _all_text(at)
    assert "K=1000" not in text and "K = 1000" not in text, "a second IW estimate of log p(x) is shown"


def test_the_true_posterior_heading_only_where_it_is_drawn():
    wide = _opened("mnist-16d")
    assert not any("true posterior" in m.value for m in wide.markdown)
    assert not any("exact posterior needs" in c.value for c in wide.caption)
    flat = _opened("mnist-2d")
    assert any("The true posterior p(z|x)" in m.value for m in flat.markdown)
    labels = [m.label for m in flat.metric]
    assert "log p(x), exact" in labels  # the truth beside the one IW figure
    assert any("below this exact value" in c.value and "K = 256" in c.value for c in flat.caption)


def test_the_caption_under_the_file_box_counts_every_file():
    from app.upload.view import chosen_files_caption

    assert chosen_files_caption(["a.png"]) == "1 file chosen: a.png."
    names = [f"f{i}.png" for i in range(8)]
    assert chosen_files_caption(names) == "8 files chosen: f0.png, f1.png, f2.png, f3.png, f4.png, f5.png and 2 more."
