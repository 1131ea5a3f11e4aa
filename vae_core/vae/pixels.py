"""What a model's log p(x) is a log-likelihood of, and what to call it when it is not one.

- A Gaussian decoder gives a density on grey values: log p(x) is a true log-likelihood (a density, in nats).
- A Bernoulli decoder is a distribution over binary images. A model trained on binarised pixels
  (`config.binarized`, TrainConfig binarize="dynamic") is evaluated on a seeded binarisation x_b ~ Bernoulli(x)
  of the image (`model_pixels`): log p(x_b) is a true log-likelihood, comparable with the binarised-MNIST tables.
- A Bernoulli decoder trained on grey values gives sum x log p + (1 - x) log(1 - p) for non-binary x, which is
  not a normalised density: a cross-entropy score, and every place that shows it must say so (`figure_names`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..data.binarize import TEST_BINARIZE_SEED, binarize_each

GREY_SCORE = "Bernoulli cross-entropy score, not a normalised log-likelihood"
GREY_SCORE_WHY = ("this model was trained on grey pixels, and for grey values the Bernoulli sum "
                  "x log p + (1 − x) log(1 − p) is not a normalised density: a score, not comparable with "
                  "published NLL tables")


@dataclass(frozen=True)
class FigureNames:
    """Labels for one model's figures: `log_px` for log p(x), `nll` for −log p(x), `pixels` what they are of.
    A binarised model's labels keep "log p(x)": its `note` says that x is the seeded binarisation."""

    true_likelihood: bool
    log_px: str
    nll: str
    pixels: str
    note: str  # one line saying what the figures are (and, for a score, why it is not a log-likelihood)


def is_true_log_likelihood(config) -> bool:
    """Whether log p(x) of this model, on the pixels `model_pixels` gives it, is a normalised log-likelihood."""
    return config["likelihood"] == "gaussian" or bool(config.get("binarized", False))


def figure_names(config) -> FigureNames:
    if config["likelihood"] == "gaussian":
        return FigureNames(True, "log p(x)", "NLL", "grey pixels in [0, 1] under a Gaussian density",
                           "log p(x) is a density on grey values (nats; a density can exceed 1, so it can be > 0)")
    if config.get("binarized", False):
        return FigureNames(True, "log p(x)", "NLL", "binary pixels x_b ~ Bernoulli(x), one seeded binarisation",
                           f"a true log-likelihood of binary images: the figures are of x_b, one binarisation "
                           f"x_b ~ Bernoulli(x) of the image, drawn with seed {TEST_BINARIZE_SEED}, as the model "
                           "was trained on binarised pixels")
    return FigureNames(False, "cross-entropy score", "Bernoulli cross-entropy score",
                       "grey pixels in [0, 1]", f"{GREY_SCORE}: {GREY_SCORE_WHY}")


def model_pixels(model, x, seed: int = TEST_BINARIZE_SEED):
    """The pixels a page's log-likelihood figures of images x (N, pixels) are computed on: for a model trained on
    binarised pixels each image's seeded binarisation (binarize_each: the same x_b whether it is shown alone or
    among others), x itself otherwise (numpy array or tensor, the same type back)."""
    return binarize_each(x, seed) if model.config.binarized else x
