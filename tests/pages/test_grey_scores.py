"""No page calls a grey-value Bernoulli score a log-likelihood.

A Bernoulli decoder trained on grey pixels gives sum x log p + (1 - x) log(1 - p), which for grey x is not a
normalised density. Each page is opened on such a model (trained here, for a few epochs, into the temporary user
models folder) and every label, caption, table column and chart title it shows is read: none may say "log p(x)",
"NLL" or "likelihood", except the sanctioned sentence that says the figure is *not* one. The same pages on a
binarised model do say log p(x), so the check is not vacuous.
"""

from __future__ import annotations

import io
import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from app.common.glossary import GLOSSARY, explain
from app.latent_map.sections import SECTIONS
from testkit.apptest import assert_ok, chart_specs, image_captions, new_page
from vae_core import load_dataset
from vae_core.vae.pixels import GREY_SCORE, GREY_SCORE_WHY
from vae_core.vae.train import TrainConfig, save_trained, train
from vae_core.vae.user_models import user_models_dir

BANNED = re.compile(r"log p\(x\)|\bNLL\b|likelihood", re.IGNORECASE)
# What a page may say about a score: that it is not a log-likelihood, and why.
SANCTIONED = (GREY_SCORE, GREY_SCORE_WHY, "not a normalised log-likelihood", "not an NLL")


@pytest.fixture(scope="module")
def grey_models():
    from app.common.cache import list_models

    data = load_dataset("mnist-5k")
    names = {}
    for name, conditional in (("grey-score", False), ("grey-score-cvae", True)):
        cfg = TrainConfig(latent_dim=2, hidden=(32,), epochs=2, conditional=conditional, seed=0)
        assert cfg.binarize == "none"  # grey values: the default
        folder = user_models_dir() / name
        save_trained(train(cfg, data, progress=False), cfg, data, folder)
        names[conditional] = f"user:{name}"
    list_models.clear()
    yield names
    for name in names.values():
        shutil.rmtree(user_models_dir() / name.removeprefix("user:"), ignore_errors=True)
    list_models.clear()


def texts(at) -> list[str]:
    """Everything a visitor reads as a label: metrics (label and help), captions, markdown, info/warning boxes,
    subheaders, image captions, table columns, chart titles, axis titles and hover templates. Formulas (st.latex)
    and the glossary's explanations in help tooltips are definitions, the same for every model, and are left out."""
    out = []
    for m in at.metric:
        out += [m.label, m.proto.help]
    for kind in ("caption", "markdown", "info", "warning", "success", "subheader", "header", "title"):
        out += [e.value for e in at.get(kind)]
    out += [c for c in image_captions(at) if c]
    for frame in [*at.dataframe, *at.table]:
        out += [str(c) for c in frame.value.columns] + [str(i) for i in frame.value.index]
    for spec in chart_specs(at):
        layout = spec.get("layout", {})
        out.append(json.dumps(layout.get("title", "")))
        for axis in ("xaxis", "yaxis"):
            out.append(json.dumps(layout.get(axis, {}).get("title", "")))
        out += [str(t.get("hovertemplate", "")) + str(t.get("name", "")) for t in spec.get("data", [])]
    return out


def offending(at) -> list[str]:
    from app.common.what_to_try import EXPERIMENTS

    # The *What to try* boxes are experiments with the shipped (binarised) models they name, not this model's labels.
    experiments = [e for items in EXPERIMENTS.values() for e in items]
    definitions = [explain(term) for term in GLOSSARY]
    found = []
    for text in texts(at):
        if any(e in text for e in experiments):
            continue
        cleaned = text
        for definition in definitions:
            cleaned = cleaned.replace(definition, "")
        for phrase in SANCTIONED:
            cleaned = cleaned.replace(phrase, "")
        if BANNED.search(cleaned):
            found.append(text)
    return found


def _one() -> bytes:
    arr = np.full((140, 140), 232, dtype=np.uint8)
    arr[20:120, 64:76] = 25
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def open_with(page: str, state: dict, upload: bool = False):
    at = new_page(page, state, timeout=240).run()
    if upload:
        at.file_uploader[0].set_value([("one.png", _one(), "image/png")])
        at = at.run()
    assert_ok(at)
    return at


PAGES = [  # (page, its model picker's key, conditional model, extra session state, upload a file)
    ("home", "model", False, {}, False),
    ("upload", "upload_model", False, {}, True),
    ("latent_map", "map_model", False, {"map_section": SECTIONS["posterior"]}, False),  # its figures of one image
    ("inside", "inside_model", False, {}, False),
    ("cvae", "cvae_model", True, {}, False),
]


@pytest.mark.parametrize("page, key, conditional, state, upload", PAGES, ids=[p[0] for p in PAGES])
def test_a_grey_value_score_is_never_called_a_log_likelihood(grey_models, page, key, conditional, state, upload):
    at = open_with(page, {key: grey_models[conditional], **state}, upload)
    found = offending(at)
    assert not found, found
    # ... and the page says what the figure is instead, where it shows one
    if page in ("home", "upload", "cvae"):
        assert any(GREY_SCORE in t or "cross-entropy score" in t for t in texts(at))


@pytest.mark.parametrize("page, key, binarized", [("home", "model", "mnist-2d"), ("upload", "upload_model", "mnist-2d"),
                                                  ("cvae", "cvae_model", "mnist-cvae-8d")])
def test_the_check_finds_the_words_on_a_binarised_model(page, key, binarized):
    at = open_with(page, {key: binarized}, upload=page == "upload")
    assert offending(at), "a binarised model's page should say log p(x) or NLL, so the check can fail"


@pytest.mark.parametrize("page", ["tradeoff", "one_d", "traversal"])
def test_pages_without_a_bernoulli_score_show_none(grey_models, page):
    # The trade-off page's models are Gaussian (a density); the 1-D page fits real-valued data (densities);
    # the traversal page, on a grey-value model, shows no likelihood figure at all.
    state = {"traversal_model": grey_models[False]} if page == "traversal" else {}
    at = open_with(page, state)
    if page == "traversal":
        assert offending(at) == []
