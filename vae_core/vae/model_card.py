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
from .checkpoint import checkpoint_paths, read_sidecar
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
        Figure("Decoder", _decoder(cfg), "the likelihood p(x|z)"),
        Figure("Parameters", f"{sidecar.get('num_parameters', 0):,}", "weights and biases, encoder plus decoder"),
    ]
    ev = sidecar.get("evaluation")
    if ev:
        split = evaluation_split(ev)
        figures.append(Figure(f"{split} NLL", f"{ev['nll']:.2f} nats" + _se(ev, "nll_se"),
                              f"-log p(x), importance-weighted with K={ev['k']}, averaged over {ev['data']}"))
        figures.append(Figure(f"{split} ELBO", f"{ev['elbo']:.2f} nats" + _se(ev, "elbo_se"),
                              f"E_q[log p(x|z)] = {ev['reconstruction']:.2f} minus KL = {ev['kl']:.2f}"))
        if ev.get("reference_nll") is not None:
            figures.append(Figure("Reference NLL", f"{ev['reference_nll']:.2f} nats",
                                  f"{ev.get('reference', 'the reference recipe')}, same data and latent size"))
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


def _se(ev: dict, key: str) -> str:
    """' ± 0.03' when the card records a Monte Carlo standard error (older cards do not)."""
    se = ev.get(key)
    return f" ± {se:.2f}" if isinstance(se, (int, float)) and se == se else ""


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
    return "Bernoulli"


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
        lines += [
            "",
            "## Evaluation",
            f"On {ev['data']}, in nats per image, pixels in [0, 1] under the Bernoulli likelihood:",
            "",
            "| figure | value |",
            "|---|---|",
            f"| NLL, importance-weighted, K = {ev['k']} | {ev['nll']:.2f} |",
            f"| ELBO | {ev['elbo']:.2f} |",
            f"| E_q[log p(x given z)] | {ev['reconstruction']:.2f} |",
            f"| KL(q(z given x) ‖ p(z)) | {ev['kl']:.2f} |",
            f"| gap log p(x) - ELBO | {ev['gap']:.2f} |",
            f"| self-consistency Var[log w] | {ev['self_consistency']:.2f} |",
        ]
        if ex := ev.get("exact"):
            lines += [
                "", f"Exact, by quadrature over the 2-D latent grid (vae_core.exact_log_px), on {ex['data']}, "
                f"beside the importance-weighted estimate on the same images:", "",
                "| figure | value |", "|---|---|",
                f"| NLL, exact | {ex['exact_nll']:.2f} |",
                f"| NLL, importance-weighted, K = {ex['k']} (± MC SE) | {-ex['iw_log_px']:.2f} ± {ex['iw_se']:.2f} |",
                f"| IW estimate below the exact log p(x) by | {ex['iw_shortfall']:.2f} |",
                f"| gap KL(q(z given x) ‖ p(z given x)), exact | {ex['exact_gap']:.2f} |",
                f"| median effective sample size of the K weights | {ex['median_ess']:.0f} |",
            ]
        for label, nll in ev.get("reference_runs", {}).items():
            lines.append(f"| reference NLL: {label} | {nll:.2f} |")
        if ev.get("reference"):
            lines += ["", f"Reference: the {ev['reference']}, trained on the same images with the same latent "
                      "size, evaluated by the same code. Reproduce with `python -m bench.bench_quality`."]
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
            f"| reconstruction error E ‖x − mu_D(z)‖², z ~ q(z given x) | {tr['squared_error']:.2f} |",
            f"| average KL(q(z given x) ‖ p(z)) | {tr['average_kl']:.2f} nats |",
            f"| prior-hole mass at tau = {tr['tau']:g} | {100 * tr['prior_hole_mass']:.1f}% "
            f"± {100 * tr['prior_hole_se']:.1f}% |",
            f"| active units, Var_x(mu_u(x)) > 0.01 | {tr['active_units']} of {tr['latent_dim']} |",
            "",
            "Reproduce with `python -m bench.bench_tradeoff --write-cards`.",
        ]
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
