"""Each page's labels name the quantity they show, on its default (binarised) model.

The companion of test_grey_scores.py, which checks that a grey-value score is never called a log-likelihood:
here every importance-weighted figure is called a bound and has its ESS beside it, every data-set figure says
which images it is on (test, validation, held-out), and a page that shows a log-likelihood says it is of the
image's seeded binarisation, x_b, not of the grey pixels drawn.
"""

from __future__ import annotations

import re

import pytest

from app.latent_map.sections import SECTIONS
from tests.pages.test_grey_scores import open_with, texts

IW = re.compile(r"\bIW\b|importance-weighted", re.IGNORECASE)
DATA_SET_FIGURE = re.compile(r"\bNLL\b|accuracy", re.IGNORECASE)
SPLIT = re.compile(r"\btest\b|validation|held-out", re.IGNORECASE)
BINARISED = "x_b ~ Bernoulli(x)"

PAGES = [  # (page, upload a file, whether the page shows a log-likelihood of the binarised image)
    ("home", False, True),
    ("upload", True, True),
    ("latent_map", False, True),
    ("inside", False, False),  # log p(x|z) and the ELBO only, never log p(x)
    ("cvae", False, True),
]


@pytest.fixture(scope="module", params=PAGES, ids=[p[0] for p in PAGES])
def page(request):
    name, upload, shows_log_px = request.param
    # The latent map's IW estimate is in its tab of one image's true posterior.
    state = {"map_section": SECTIONS["posterior"]} if name == "latent_map" else {}
    return name, open_with(name, state, upload), shows_log_px


def _metric_text(m) -> str:
    return " ".join(str(t) for t in (m.label, m.proto.help, m.proto.delta))


def test_every_importance_weighted_metric_is_called_a_bound_with_its_ess(page):
    name, at, _ = page
    everything = " ".join(texts(at))
    # every figure an IW estimate enters (the estimate, IW − ELBO, a reference NLL), but the ESS itself
    iw_metrics = [m for m in at.metric if IW.search(_metric_text(m)) and "ESS" not in m.label]
    for m in iw_metrics:
        text = _metric_text(m)
        assert "bound" in text, (name, m.label, text)
        if re.search(r"IW K|IW estimate", m.label):  # the estimate: its ESS in it, or in the caption next to it
            assert "ESS" in text or "Effective sample size" in everything, (name, m.label)
    if name in ("home", "upload", "latent_map"):  # the pages that show one on open
        assert iw_metrics, f"{name}: expected an importance-weighted metric"


def test_every_data_set_figure_names_its_images(page):
    name, at, _ = page
    found = [m for m in at.metric if DATA_SET_FIGURE.search(m.label)]
    for m in found:
        assert SPLIT.search(_metric_text(m)), (name, m.label, _metric_text(m))
    if name in ("home", "cvae"):
        assert found, f"{name}: expected a test NLL or accuracy metric"


def test_a_log_likelihood_of_a_binarised_model_says_it_is_of_x_b(page):
    name, at, shows_log_px = page
    shown = texts(at)
    if shows_log_px:
        assert any(BINARISED in t for t in shown), name
    else:
        assert not any(re.search(r"log p\(x\)", t) for t in shown), name
