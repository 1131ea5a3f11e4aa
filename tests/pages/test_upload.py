"""The upload page driven by AppTest: a batch with good and bad files."""

import io
import re

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from testkit import REPO

PAGE = str(REPO / "app/pages/upload.py")


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
    at = AppTest.from_file(PAGE, default_timeout=240).run()
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
    errors = [e.value for e in at.error]
    assert len(errors) == 3, errors
    assert errors[0].startswith("empty.png:") and "empty" in errors[0]
    assert errors[1].startswith("white.png:") and "no ink" in errors[1]
    assert errors[2].startswith("text.jpg:") and "not an image" in errors[2]
    panels = [e.label for e in at.expander if not e.label.startswith(("How each", "What to try"))]
    assert panels[0].startswith("one.png — guess 1") and panels[1].startswith("zero.jpg — guess 0"), panels
    labels = [m.label for m in at.metric]
    assert labels.count("ELBO") == 2 and "log p(x), K=256" in labels and "gap log p(x) − ELBO" in labels
    assert len(at.get("plotly_chart")) == 1
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
    at = AppTest.from_file(PAGE, default_timeout=240)
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
    panels = [e.label for e in at.expander if not e.label.startswith(("How each", "What to try"))]
    assert len(panels) == DETAILED + 1 and panels[-1].startswith(f"one_{DETAILED:02d}.png")
    at.selectbox(key="upload_detail").select(n - 1).run()
    panels = [e.label for e in at.expander if not e.label.startswith(("How each", "What to try"))]
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
    panels = [e.label for e in at.expander if not e.label.startswith(("How each", "What to try"))]
    assert panels[0].endswith("out of distribution") and not panels[1].endswith("out of distribution"), panels
    assert any(w.value.startswith("Out of distribution: log p(x) =") for w in at.warning)
    assert list(at.dataframe[0].value["out of distribution"]) == [True, False]
    assert any(r"\text{out of distribution if }" in x.value for x in at.latex)
