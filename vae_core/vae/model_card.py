"""Model cards: the headline figures of a checkpoint, its README text, and the one writer of measured figures.

The figures come from the checkpoint's sidecar: training metrics written by `train`, and the sections the benches
add through `write_card_section` (the held-out evaluation of bench.bench_quality, its exact counterpart of
bench.exact_cards, the accuracy of bench.bench_classify, the trade-off figures of bench.bench_tradeoff).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_write_text
from .card_evaluation import conditional_nll, markdown_lines, words
from .checkpoint import checkpoint_paths, read_sidecar
from .pixels import GREY_SCORE, GREY_SCORE_WHY
from .registry import resolve


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    help: str


def card_figures(sidecar: dict) -> list[Figure]:
    cfg = sidecar.get("config", {})
    figures = [
        Figure("Latent size", f"{cfg.get('latent_dim', '?')}-D", "dimension of z"),
        Figure("Decoder", _decoder(cfg), "the decoder's distribution p(x|z) and the pixels it models"),
        Figure("Parameters", f"{sidecar.get('num_parameters', 0):,}", "weights and biases, encoder plus decoder"),
    ]
    ev = sidecar.get("evaluation")
    if ev:
        figures += evaluation_figures(cfg, ev)
    else:
        metrics = sidecar.get("metrics", {})
        if "val_elbo" in metrics:
            figures.append(Figure("Validation ELBO", f"{metrics['val_elbo']:.2f} nats",
                                  "mean ELBO on the held-out split used for early stopping"))
    cl = sidecar.get("classification")
    if cl:
        figures.append(Figure("Test accuracy", f"{100 * cl['accuracy']:.2f}%",
                              f"generative classification argmax_y p(x|y) p(y), K={cl['k']} per label, "
                              f"on {cl['data']}"))
    return figures


def evaluation_figures(cfg: dict, ev: dict) -> list[Figure]:
    """The headline: the exact NLL where the card has it (2-D), else the IW figure called a bound, with its ESS;
    a grey-value Bernoulli model's figure is called a cross-entropy score, with why."""
    split = evaluation_split(ev)
    nll, logpx = words(cfg, ev)
    why = "" if nll == "NLL" else f" A {GREY_SCORE}: {GREY_SCORE_WHY}."
    pixels = f" Pixels binarised with seed {ev['binarize_seed']}." if ev.get("binarize_seed") is not None else ""
    what = conditional_nll(cfg, ev)
    figures = []
    if ex := ev.get("exact"):
        figures.append(Figure(f"{split} {nll}, exact", f"{ex['exact_nll']:.2f} nats",
                              f"{what} by quadrature over the 2-D latent, averaged over {ex['data']}.{pixels}{why}"))
        figures.append(Figure(f"Gap {logpx} − ELBO, exact", f"{ex['exact_gap']:.2f} nats",
                              "KL(q(z|x) ‖ p(z|x)) averaged over the same images, by quadrature"))
    ess = ev.get("median_ess")
    ess_text = f"median ESS {ess:.0f} of {ev['k']}" if isinstance(ess, (int, float)) else "ESS not recorded"
    figures.append(Figure(f"{split} {nll}, IW K={ev['k']}", f"{ev['nll']:.2f} nats",
                          f"{what}, importance-weighted with K={ev['k']}, averaged over {ev['data']}: an upper "
                          f"bound on the {nll} ({ess_text}). Its Monte Carlo SE{_se(ev, 'nll_se', 3)} measures only "
                          f"how much a rerun moves it, not how far it is from the true value.{pixels}{why}"))
    figures.append(Figure("Median ESS (IW)", f"{ess:.0f} of {ev['k']:,}" if isinstance(ess, (int, float)) else "—",
                          "effective sample size (sum w)² / sum w² of the K importance weights, median over images"))
    figures.append(Figure(f"{split} ELBO", f"{ev['elbo']:.2f} nats" + _se(ev, "elbo_se"),
                          f"E_q[log p(x|z)] = {ev['reconstruction']:.2f} minus KL = {ev['kl']:.2f}.{why}"))
    if ev.get("reference_nll") is not None:
        figures.append(Figure(f"Reference {nll}", f"{ev['reference_nll']:.2f} nats",
                              f"{ev.get('reference', 'the reference recipe')}, same data and latent size, "
                              f"importance-weighted with K={ev['k']} on the same {ev['data']}: an upper bound, "
                              "like the IW figure beside it"))
    return figures


def _se(ev: dict, key: str, digits: int = 2) -> str:
    """' ± 0.03' when the card records a Monte Carlo standard error (older cards do not)."""
    se = ev.get(key)
    return f" ± {se:.{digits}f}" if isinstance(se, (int, float)) and se == se else ""


def evaluation_split(ev: dict) -> str:
    """ "Test" or "Validation": which split the card's evaluation used. An explicit "split" wins; older cards
    only describe the data, and a held-out split used for early stopping is validation, not test."""
    split = str(ev.get("split", "")).lower()
    if split in ("test", "validation"):
        return split.capitalize()
    data = str(ev.get("data", "")).lower()
    return "Validation" if ("early stopping" in data or "validation" in data) else "Test"


def _decoder(cfg: dict) -> str:
    if cfg.get("likelihood") == "gaussian":
        return f"Gaussian, beta^2={cfg['beta'] ** 2:.3g}"
    return "Bernoulli (binarised pixels)" if cfg.get("binarized") else "Bernoulli (grey pixels)"


def render_markdown(name: str, sidecar: dict) -> str:
    """The README.md of a shipped model, generated from its sidecar."""
    cfg, data, metrics = sidecar["config"], sidecar.get("data", {}), sidecar.get("metrics", {})
    tc = sidecar.get("train_config", {})
    lines = [
        f"# {name}",
        "",
        f"An MLP VAE with a {cfg['latent_dim']}-D latent, encoder widths {cfg['hidden']} "
        f"(the decoder mirrors them), a {_decoder(cfg)} decoder and the prior N(0, I). "
        f"{sidecar.get('num_parameters', 0):,} parameters.",
        "",
        "## Training",
        f"- Data: `{data.get('name')}` ({data.get('n', '?'):,} images, fingerprint `{data.get('fingerprint')}`), "
        f"{int(round(tc.get('val_fraction', 0) * 100))}% held out for early stopping.",
        f"- Command: `{sidecar.get('command', '')}` (options in `train_config.json` beside this file).",
        f"- Adam, learning rate {tc.get('lr')}, batch {tc.get('batch_size')}, M = {tc.get('samples')} sample(s) "
        f"per data point, seed {sidecar.get('seed')}.",
        f"- Best epoch {metrics.get('best_epoch')} of {metrics.get('epochs_run')} "
        f"(patience {tc.get('patience')}), {sidecar.get('train_time_s', 0):.0f} s on the CPU. "
        f"Validation ELBO {metrics.get('val_elbo', float('nan')):.2f} nats.",
    ]
    if tc.get("augment_shift"):
        lines.append(f"- Augmentation: each training image is shifted by up to {tc['augment_shift']} px in each "
                     "direction at random, every epoch (validation images are not shifted).")
    if tc.get("kl_warmup_epochs"):
        lines.append(f"- KL warm-up: the KL term's weight rises linearly from 0 to 1 over "
                     f"{tc['kl_warmup_epochs']} epochs.")
    ev = sidecar.get("evaluation")
    if ev:
        lines += markdown_lines(cfg, ev)
    cl = sidecar.get("classification")
    if cl:
        lines += [
            "",
            "## Generative classification",
            f"On {cl['data']}: y_hat = argmax_y p(x|y) p(y) with a uniform p(y), log p(x|y) importance-sampled "
            f"with K = {cl['k']} per label.",
            "",
            "| classifier | test accuracy |",
            "|---|---|",
            f"| this model, generative | {100 * cl['accuracy']:.2f}% |",
        ]
        lines += [f"| {label} | {100 * acc:.2f}% |" for label, acc in cl.get("baselines", {}).items()]
        lines += ["", "Reproduce with `python -m bench.bench_classify --write-cards`."]
    tr = sidecar.get("tradeoff")
    if tr:
        lines += [
            "",
            "## The beta^2 trade-off",
            f"One of three models that differ only in the decoder variance beta^2. On {tr['data']}:",
            "",
            "| figure | value |",
            "|---|---|",
            f"| reconstruction error E ‖x − mu_D(z)‖², z ~ q(z given x) | {tr['squared_error']:.2f}"
            f"{_se(tr, 'squared_error_se')} |",
            f"| average KL(q(z given x) ‖ p(z)) | {tr['average_kl']:.2f}{_se(tr, 'average_kl_se')} nats |",
            f"| prior-hole mass at tau = {tr['tau']:g} | {100 * tr['prior_hole_mass']:.1f}% "
            f"± {100 * tr['prior_hole_se']:.1f}% |",
            f"| active units, Var_x(mu_u(x)) > 0.01 | {tr['active_units']} of {tr['latent_dim']} |",
        ]
        if ch := tr.get("change_from_smaller_beta2"):
            lines += ["", f"From `{ch['from']}` (the next smaller beta^2), paired over the same images: "
                      f"reconstruction error up by {ch['squared_error']['change']:.2f} ± "
                      f"{ch['squared_error']['se']:.2f}, "
                      f"average KL down by {ch['kl']['change']:.2f} ± {ch['kl']['se']:.2f} nats (± one standard "
                      "error)."]
        lines += ["", "± one standard error over the images. Reproduce with "
                  "`python -m bench.bench_tradeoff --write-cards`."]
    lines += [
        "",
        "## Use and limits",
        "Made for teaching: the latent map, traversal and upload pages of the explorer. "
        "Trained on a few thousand images, so samples are blurry and digits far from the training "
        "distribution (other scripts, thick markers) encode poorly.",
        "",
    ]
    return "\n".join(lines)


def write_card_section(model: str | Path, section: str, figures: dict, merge: bool = False) -> Path:
    """Store `figures` as `section` of a checkpoint's sidecar (model.json) and regenerate the README.md card beside
    it from the whole sidecar; returns the sidecar's path.

    model: a shipped model's name or a checkpoint's folder (the tests pass a temporary copy). The section is
    replaced whole, or with merge=True its other keys are kept (the exact figures go beside the IW evaluation).
    The sidecar is read afresh here, not taken from a model loaded before a long measurement, so what another
    bench wrote meanwhile into other sections stays. Both files are written atomically: the page, reading the
    card while a bench writes it, sees the old file or the new one, never half of one.
    """
    folder = resolve(model)
    weights, sidecar_path = checkpoint_paths(folder)
    sidecar = read_sidecar(folder)
    sidecar[section] = {**sidecar.get(section, {}), **figures} if merge else figures
    atomic_write_text(sidecar_path, json.dumps(sidecar, indent=2) + "\n")
    # The card's title is the model's name, which for a shipped model is its folder's.
    atomic_write_text(weights.parent / "README.md", render_markdown(weights.parent.name, sidecar))
    return sidecar_path
