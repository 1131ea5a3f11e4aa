"""Model cards: the headline figures of a checkpoint and its README text.

The figures come from the checkpoint's sidecar: training metrics written by
`train`, and the held-out evaluation that bench/bench_quality.py adds.
"""

from __future__ import annotations

from dataclasses import dataclass


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
        figures.append(Figure("Test NLL", f"{ev['nll']:.2f} nats",
                              f"-log p(x), importance-weighted with K={ev['k']}, averaged over {ev['data']}"))
        figures.append(Figure("Test ELBO", f"{ev['elbo']:.2f} nats",
                              f"E_q[log p(x|z)] = {ev['reconstruction']:.2f} minus KL = {ev['kl']:.2f}"))
        if ev.get("reference_nll") is not None:
            figures.append(Figure("Reference NLL", f"{ev['reference_nll']:.2f} nats",
                                  f"{ev.get('reference', 'the reference recipe')}, same data and latent size"))
    else:
        metrics = sidecar.get("metrics", {})
        if "val_elbo" in metrics:
            figures.append(Figure("Validation ELBO", f"{metrics['val_elbo']:.2f} nats",
                                  "mean ELBO on the held-out split used for early stopping"))
    return figures


def _decoder(cfg: dict) -> str:
    if cfg.get("likelihood") == "gaussian":
        return f"Gaussian, beta^2={cfg['beta'] ** 2:.3g}"
    return "Bernoulli"
