"""write_card_section: the one writer of measured figures into a checkpoint's sidecar and README.md card.
Always on a temporary copy of a shipped checkpoint, never on pretrained/ itself."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from vae_core import CheckpointError, load_model
from vae_core.vae.checkpoint import read_sidecar
from vae_core.vae.model_card import render_markdown, write_card_section
from vae_core.vae.pixels import GREY_SCORE_WHY
from vae_core.vae.registry import PRETRAINED_DIR

SHIPPED = PRETRAINED_DIR / "digits-2d"  # the smallest shipped model; its card has evaluation and evaluation.exact

CLASSIFICATION = {"data": "the MNIST test set (10 images)", "n": 10, "k": 2, "accuracy": 0.5,
                  "baselines": {"logistic regression on pixels": 0.4}}


@pytest.fixture
def copy(tmp_path):
    folder = tmp_path / "digits-2d"
    shutil.copytree(SHIPPED, folder)
    return folder


def shipped_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in SHIPPED.iterdir() if p.is_file()}


def test_a_section_is_stored_and_the_card_regenerated(copy):
    before, shipped = read_sidecar(copy), shipped_files()
    path = write_card_section(copy, "classification", CLASSIFICATION)
    after = read_sidecar(copy)
    assert path == copy / "model.json"
    assert after["classification"] == CLASSIFICATION
    assert {k: v for k, v in after.items() if k != "classification"} == before  # nothing else changed
    card = (copy / "README.md").read_text(encoding="utf-8")
    assert card == render_markdown("digits-2d", after)
    assert card.startswith("# digits-2d\n") and "| this model, generative | 50.00% |" in card
    assert load_model(copy).card == after  # the weights still match the sidecar's hash
    assert shipped_files() == shipped  # the shipped checkpoint is untouched


def test_replace_drops_the_sections_old_keys_and_merge_keeps_them(copy):
    old = read_sidecar(copy)["evaluation"]
    assert "exact" in old and "nll" in old
    write_card_section(copy, "evaluation", {"exact": {**old["exact"], "k": 7}}, merge=True)
    merged = read_sidecar(copy)["evaluation"]
    assert merged == {**old, "exact": {**old["exact"], "k": 7}}
    assert "NLL, importance-weighted, K = 7 |" in (copy / "README.md").read_text(encoding="utf-8")

    replacement = {k: v for k, v in old.items() if k != "exact"}
    write_card_section(copy, "evaluation", replacement)
    assert read_sidecar(copy)["evaluation"] == replacement
    assert "Exact, by quadrature" not in (copy / "README.md").read_text(encoding="utf-8")


def test_rewriting_the_same_figures_leaves_both_files_byte_for_byte(copy):
    # The sidecar's JSON layout and the card are what the benches wrote before: a rerun that measures the same
    # figures shows no diff in git.
    sidecar_text, card_text = (copy / "model.json").read_text(), (copy / "README.md").read_text()
    write_card_section(copy, "evaluation", json.loads(sidecar_text)["evaluation"])
    assert (copy / "model.json").read_text() == sidecar_text
    assert (copy / "README.md").read_text() == card_text


def test_an_unknown_model_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        write_card_section(tmp_path / "missing", "classification", CLASSIFICATION)
    assert not any(tmp_path.iterdir())


def test_the_card_names_each_figure_for_what_it_is(copy):
    # digits-2d: binarised, with an exact block. The exact NLL and gap come first; the IW figure is called a bound,
    # with its ESS; IW - ELBO is called a lower bound on the gap.
    card = (copy / "README.md").read_text(encoding="utf-8")
    assert card.index("**NLL, exact**") < card.index("importance-weighted, K = 1000: an upper bound")
    assert "median ESS of the K weights" in card and "a lower bound on the gap, not the gap" in card
    assert "binarised with seed 0" in card and "true log-likelihoods" in card
    # the same sidecar as a grey-value model: every figure a score, with why, and no NLL
    sidecar = read_sidecar(copy)
    sidecar["config"] = {**sidecar["config"], "binarized": False}
    sidecar["evaluation"] = {k: v for k, v in sidecar["evaluation"].items() if k != "binarize_seed"}
    sidecar["evaluation"]["exact"] = {k: v for k, v in sidecar["evaluation"]["exact"].items()
                                      if k != "binarize_seed"}
    grey = render_markdown("digits-2d", sidecar)
    assert GREY_SCORE_WHY in grey
    grey = grey.replace(GREY_SCORE_WHY, "")  # the sanctioned line says why the score is not an NLL
    assert "Bernoulli cross-entropy score" in grey and "NLL" not in grey and "log p(x)" not in grey


def test_a_conditional_card_compares_with_the_published_tables_through_a_bound():
    # The tables are of -log p(x); the card's figure is -log p(x|y_true), and -log p(x) <= it + log 10.
    folder = PRETRAINED_DIR / "mnist-cvae-8d"
    sidecar = read_sidecar(folder)
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert card == render_markdown("mnist-cvae-8d", sidecar)
    bound = sidecar["evaluation"]["nll"] + math.log(10)
    assert "## Against published figures" in card and f"+ log 10 = {bound:.2f} nats" in card
