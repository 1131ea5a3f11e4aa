"""The evaluation part of a model card, labelled for what each figure is.

- A figure is called an NLL or log p(x) only where it is a true log-likelihood (vae_core.vae.pixels): a
  grey-value Bernoulli model's is a "Bernoulli cross-entropy score", with the line that says why.
- The importance-weighted figure is a bound: its Monte Carlo SE measures only how much a rerun moves it, not how
  far it sits from log p(x) (6.6 nats on the old mnist-2d, beside an SE of 0.00), so it is shown with the median
  ESS of its weights and said to be a bound. IW_K - ELBO is a lower bound on the gap, and labelled so.
- Where the exact value is known (2-D latents, by quadrature), the exact NLL and the exact gap are the headline.
"""

from __future__ import annotations

import math

from .pixels import GREY_SCORE, GREY_SCORE_WHY, figure_names

# Published one-stochastic-layer VAEs on binarised MNIST, for the card's comparison (nats, test NLL).
PUBLISHED = [
    ("Burda et al. (2015), VAE trained with k = 1, 50 latents, two hidden layers of 200 units, the full MNIST "
     "training set, 5,000 importance samples", 86.76),
    ("pythae's reproduction (Chadebec et al., 2022), 40 latents, the full MNIST training set", 89.78),
]


def headline(ev: dict) -> tuple[str, float, str]:
    """(label, NLL, how it was computed) of the card's headline figure: the exact NLL when the card has it."""
    if ex := ev.get("exact"):
        return "NLL, exact", ex["exact_nll"], f"−log p(x) by quadrature over the 2-D latent, on {ex['data']}"
    return (f"NLL, IW K = {ev['k']}", ev["nll"],
            f"importance-weighted, K = {ev['k']}: an upper bound on the NLL, on {ev['data']}")


def words(cfg: dict, ev: dict) -> tuple[str, str]:
    """(what the NLL is called, what log p(x) is called): a grey-value Bernoulli model's are scores."""
    if figure_names(cfg).true_likelihood or ev.get("binarize_seed") is not None:
        return "NLL", "log p(x)"
    return "cross-entropy score", "score"


def conditional_nll(cfg: dict, ev: dict) -> str:
    if words(cfg, ev)[0] != "NLL":
        return "the negative Bernoulli cross-entropy score" + (" at the true label" if ev.get("conditional") else "")
    return "−log p(x|y) at the true label" if ev.get("conditional") else "−log p(x)"


def pixels_sentence(cfg: dict, ev: dict) -> str:
    names = figure_names(cfg)
    if ev.get("binarize_seed") is not None:
        return (f"Pixels binarised: one fixed binarisation x_b ~ Bernoulli(x) of each image, drawn with seed "
                f"{ev['binarize_seed']} (stored as the seed, not as data). The model was trained on dynamically "
                "binarised images, so these are true log-likelihoods of binary images"
                + (", comparable with the binarised-MNIST tables." if cfg.get("image_shape") == [28, 28] else "."))
    if names.true_likelihood:
        return f"Pixels: {names.pixels}; {names.note}."
    return f"Pixels: grey values in [0, 1]. The figures below are each a {GREY_SCORE}: {GREY_SCORE_WHY}."


def markdown_lines(cfg: dict, ev: dict) -> list[str]:
    nll, logpx = words(cfg, ev)
    lines = ["", "## Evaluation", f"On {ev['data']}, in nats per image. {pixels_sentence(cfg, ev)}", "",
             "| figure | value |", "|---|---|"]
    ex = ev.get("exact")
    if ex:
        lines += [f"| **{nll}, exact** (quadrature over the 2-D latent, {ex['n']:,} images) "
                  f"| **{ex['exact_nll']:.2f}** |",
                  f"| **gap {logpx} − ELBO, exact**: KL(q(z given x) ‖ p(z given x)) | **{ex['exact_gap']:.2f}** |"]
    ess = ev.get("median_ess")
    ess_text = f"; median ESS of the K weights {ess:.0f} of {ev['k']}" if isinstance(ess, (int, float)) else ""
    lines += [
        f"| {nll} {conditional_nll(cfg, ev)}, importance-weighted, K = {ev['k']}: an upper bound{ess_text} "
        f"| {ev['nll']:.2f} |",
        f"| ELBO | {ev['elbo']:.2f}{_se(ev, 'elbo_se')} |",
        f"| E_q[log p(x given z)] | {ev['reconstruction']:.2f} |",
        f"| KL(q(z given x) ‖ p(z)) | {ev['kl']:.2f} |",
        f"| IW − ELBO: a lower bound on the gap, not the gap | {ev['gap']:.2f} |",
        f"| self-consistency Var[log w] | {ev['self_consistency']:.2f} |",
    ]
    for label, value in ev.get("reference_runs", {}).items():
        lines.append(f"| reference {nll}: {label} | {value:.2f} |")
    lines += ["", f"The importance-weighted figure is a bound: its Monte Carlo standard error "
              f"({_se_value(ev)}) measures only how much a rerun with other draws moves it, not how far it is "
              "from the true value, which a small effective sample size hides."]
    if ex:
        lines += ["", f"Exact, by quadrature (vae_core.exact_log_px), on {ex['data']}, beside the importance-weighted "
                  "estimate on the same images:", "", "| figure | value |", "|---|---|",
                  f"| {nll}, exact | {ex['exact_nll']:.2f} |",
                  f"| {nll}, importance-weighted, K = {ex['k']} | {-ex['iw_log_px']:.2f} |",
                  f"| IW estimate below the exact {logpx} by | {ex['iw_shortfall']:.2f} |",
                  f"| gap KL(q(z given x) ‖ p(z given x)), exact | {ex['exact_gap']:.2f} |",
                  f"| median effective sample size of the K weights | {ex['median_ess']:.0f} |"]
    if ev.get("reference"):
        lines += ["", f"Reference: the {ev['reference']}, with the same latent size, evaluated by the same code. "
                  "Reproduce with `python -m bench.bench_quality`."]
    if ev.get("binarize_seed") is not None and cfg.get("image_shape") == [28, 28]:
        lines += conditional_published_lines(cfg, ev) if ev.get("conditional") else published_lines(cfg, ev)
    return lines


def published_lines(cfg: dict, ev: dict) -> list[str]:
    label, ours, _ = headline(ev)
    lines = ["", "## Against published figures", f"Test NLL on binarised MNIST (nats); this model: {ours:.2f} "
             f"({label}).", "", "| model | test NLL |", "|---|---|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in PUBLISHED]
    data = ("this model learns from 4,500 images (mnist-5k less its validation split), the papers' from the full "
            "training set, over ten times more")
    code = f"its latent is {cfg['latent_dim']}-D (theirs 40-50)"
    first = f"{code}, which is most of the distance; and {data}" if cfg["latent_dim"] < 10 else \
        f"{data}, which is likely most of the distance; {code}"
    estimate = ("its NLL is exact (quadrature over the latent), where theirs are 5,000-sample bounds" if ev.get("exact")
                else f"its NLL is a K = {ev['k']} importance-sampled bound (theirs 5,000: a tighter one)")
    lines += ["", f"What differs: {first}; its networks are {cfg['hidden']} ReLU layers (Burda et al.'s two tanh "
              f"layers of 200 units); {estimate}, on a test set binarised once with a fixed seed."]
    return lines


def conditional_published_lines(cfg: dict, ev: dict) -> list[str]:
    """The published tables are of log p(x); a conditional model's card measures log p(x|y) at the true label.
    With the uniform p(y) over L labels, p(x) = sum_y p(x|y) p(y) >= p(x|y_true) / L, so -log p(x) is at most
    -log p(x|y_true) + log L: an upper bound on the model's unconditional NLL that is comparable with them."""
    labels = len(cfg.get("labels") or range(10))
    bound = ev["nll"] + math.log(labels)
    lines = ["", "## Against published figures", "The published test NLLs on binarised MNIST are of x alone, "
             f"−log p(x); this card's figure, −log p(x|y) at the true label, is given the label. With the uniform "
             f"p(y) over {labels} labels, p(x) = Σ_y p(x|y) p(y) ≥ p(x|y_true) / {labels}, so this model's "
             f"−log p(x) is at most {ev['nll']:.2f} + log {labels} = {bound:.2f} nats (an upper bound, and its "
             "IW part is itself one).", "", "| model | test NLL |", "|---|---|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in PUBLISHED]
    lines += ["", "What differs: this model learns from 4,500 images (mnist-5k less its validation split), the "
              f"papers' from the full training set, over ten times more; its latent is {cfg['latent_dim']}-D "
              f"(theirs 40-50) and its networks are {cfg['hidden']} ReLU layers (Burda et al.'s two tanh layers of "
              f"200 units); its figure is a K = {ev['k']} importance-sampled bound (theirs 5,000), on a test set "
              "binarised once with a fixed seed."]
    return lines


def _se(ev: dict, key: str) -> str:
    se = ev.get(key)
    return f" ± {se:.2f}" if isinstance(se, (int, float)) and se == se else ""


def _se_value(ev: dict) -> str:
    se = ev.get("nll_se", ev.get("iw_log_px_se"))
    return f"{se:.3f} nats" if isinstance(se, (int, float)) and se == se else "not recorded"
