"""The Compare page's table: one row per figure the models share, one column per model, each value with its
standard error, and each model after the first set against the first: a difference within two standard errors
is said to be one, never ranked.

Two kinds of rows. The card's held-out figures are copied from each model's card with its precision (so the
table and the card say the same number); they are compared only where they are the same quantity on the same
images. The figures measured here are of the same images with the same seeds for every model, and compared by
paired differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.common.cache import get_model
from vae_core.latent.comparison import ModelSummary, independent_difference, paired_difference
from vae_core.vae.card_evaluation import conditional_nll, words
from vae_core.vae.model_card import evaluation_split

NOT_COMPARABLE = "not comparable"


@dataclass(frozen=True)
class Row:
    figure: str
    cells: list[str]
    note: str = ""


def card_rows(models: list[str]) -> list[Row]:
    """The held-out NLL (exact where every card has it, then the importance-weighted bound) and ELBO. A model
    is set against the first only when its card's figure is the same quantity on the same images."""
    cards = [get_model(m).card for m in models]
    evs = [c.get("evaluation") or {} for c in cards]
    cfgs = [c.get("config", {}) for c in cards]
    keys = [(e.get("data"), words(c, e)[0], conditional_nll(c, e)) if e else None for c, e in zip(cfgs, evs)]

    def where(cfg, ev) -> str:
        return f"{evaluation_split(ev).lower()}, {conditional_nll(cfg, ev)}"

    rows = []
    if all(e.get("exact") for e in evs):
        values = [e["exact"]["exact_nll"] for e in evs]
        cells = [f"{v:.2f} ({where(c, e)}, by quadrature: no sampling error)" for v, c, e in zip(values, cfgs, evs)]
        rows.append(Row("Held-out NLL, exact (nats)", _against_first(cells, values, [0.0] * len(values), keys)))
    for figure, key, se_key, note in (
            ("Held-out NLL, importance-weighted (nats)", "nll", "nll_se",
             "an upper bound on the NLL in expectation; ± its Monte Carlo SE on those images"),
            ("Held-out ELBO (nats)", "elbo", "elbo_se", "a lower bound on log p(x); ± its Monte Carlo SE")):
        values = [e.get(key) for e in evs]
        ses = [e.get(se_key, np.nan) for e in evs]
        cells = [_card_cell(e, key, se_key, c) for c, e in zip(cfgs, evs)]
        if any(v is None for v in values):
            note += "; a model without it has no held-out evaluation in its card (`python -m vae_core evaluate`)"
        rows.append(Row(figure, _against_first(cells, values, ses, keys), note))
    return rows


def _card_cell(ev: dict, key: str, se_key: str, cfg: dict) -> str:
    if key not in ev:
        return "—"
    se = ev.get(se_key)
    k = f", K={ev['k']}" if key == "nll" and "k" in ev else ""
    return f"{ev[key]:.2f}" + (f" ± {se:.3f}" if se is not None else "") + \
        f" ({evaluation_split(ev).lower()}{k}, {words(cfg, ev)[0] if key == 'nll' else 'ELBO'})"


def _against_first(cells: list[str], values, ses, keys) -> list[str]:
    out = [cells[0]]
    for cell, value, se, key in zip(cells[1:], values[1:], ses[1:], keys[1:]):
        if value is None or values[0] is None:
            out.append(cell)
        elif key != keys[0]:
            out.append(f"{cell}; {NOT_COMPARABLE} with the first (other images or another quantity)")
        else:
            out.append(f"{cell}; vs first {independent_difference(values[0], ses[0], value, se).words()}")
    return out


MEASURED = (  # (figure, summary field, decimals, comparable across decoders and conditioning)
    ("ELBO (nats)", "elbo", 2, False),
    ("Reconstruction term E_q log p(x|z) (nats)", "reconstruction", 2, False),
    ("Squared error ‖x − μ_D(z)‖²", "squared_error", 2, True),
    ("Average KL(q(z|x) ‖ p(z)) (nats)", "average_kl", 2, True),
)


def why_not_comparable(a: ModelSummary, b: ModelSummary) -> str | None:
    """Why b's ELBO and reconstruction term cannot be set against a's, or None when they can."""
    if a.likelihood != b.likelihood:
        return "a Bernoulli decoder's is a log-probability, a Gaussian's a log-density"
    if a.conditional != b.conditional:
        return "a conditional model's is of log p(x|y), the other's of log p(x)"
    return None


def measured_rows(summaries: list[ModelSummary]) -> list[Row]:
    """The figures of the same images measured here, with paired differences to the first model."""
    first = summaries[0]
    rows = []
    for figure, name, digits, across in MEASURED:
        cells = [f"{getattr(s, name):.{digits}f} ± {s.se(name):.{digits}f}" for s in summaries]
        for i, s in enumerate(summaries[1:], start=1):
            why = None if across else why_not_comparable(first, s)
            cells[i] += f"; {NOT_COMPARABLE} ({why})" if why else \
                f"; vs first {paired_difference(first, s, name).words()}"
        rows.append(Row(figure, cells))
    tau = summaries[0].tau
    holes = [f"{100 * s.prior_hole_mass:.1f}% ± {100 * s.prior_hole_se:.1f}%" for s in summaries]
    for i, s in enumerate(summaries[1:], start=1):
        d = independent_difference(summaries[0].prior_hole_mass, summaries[0].prior_hole_se,
                                   s.prior_hole_mass, s.prior_hole_se)
        holes[i] += "; vs first " + ("within 2 SE, not told apart" if d.within else
                                     f"{100 * d.value:+.1f} points ({abs(d.value) / d.se:.0f} SE)")
    rows.append(Row(f"Prior-hole mass at τ = {tau:g}", holes, "share of 10,000 prior draws in a gap; ± its Monte "
                    "Carlo SE"))
    rows.append(Row("I(x; z) (nats)", [f"{s.mutual_information:.2f}" for s in summaries],
                    "average KL − KL(q(z) ‖ p(z)), Monte Carlo; at most log N"))
    rows.append(Row("Active units", [f"{s.active_units} of {s.latent_dim}" for s in summaries],
                    "Var_x(μ_u(x)) > 0.01"))
    return rows


def setting_rows(models: list[str]) -> list[Row]:
    rows = {"Latent size": [], "Decoder": [], "KL weight λ": [], "Trained on": [], "Epochs run": [],
            "Training time": [], "Parameters": []}
    for name in models:
        card = get_model(name).card
        cfg, tc, metrics = card.get("config", {}), card.get("train_config", {}), card.get("metrics", {})
        rows["Latent size"].append(f"{cfg.get('latent_dim', '?')}-D" + (", conditional" if cfg.get("conditional")
                                                                          else ""))
        beta = cfg.get("beta")
        rows["Decoder"].append(f"Gaussian, β² = {float(beta) ** 2:.3g}" if cfg.get("likelihood") == "gaussian"
                               and beta else str(cfg.get("likelihood", "?")).capitalize()
                               + (", binarised" if cfg.get("binarized") else ""))
        rows["KL weight λ"].append(f"{tc.get('kl_weight', 1.0):g}")
        rows["Trained on"].append(str(card.get("data", {}).get("name", "?")))
        rows["Epochs run"].append(str(metrics.get("epochs_run", "?")))
        t = card.get("train_time_s")
        rows["Training time"].append(f"{t / 60:.1f} min" if isinstance(t, (int, float)) else "—")
        rows["Parameters"].append(f"{card.get('num_parameters', 0):,}")
    return [Row(k, v) for k, v in rows.items()]


def frame(rows: list[Row], headers: list[str]) -> pd.DataFrame:
    """The table as a DataFrame (st.table shows it as text: a visitor-named model label is never markup); each
    row's note is part of its figure's name."""
    return pd.DataFrame([r.cells for r in rows], columns=headers,
                        index=[r.figure + (f" — {r.note}" if r.note else "") for r in rows])
