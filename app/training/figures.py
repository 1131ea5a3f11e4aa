"""The training page's live charts as plain Plotly specs (dicts).

Built as dicts, not plotly.graph_objects: the page rebuilds them for every epoch it shows, twice a
second during a run, and graph objects' validation took about 60% of the server's time per update
(py-spy). The specs are those graph objects would produce; tests draw them with plotly to check.
"""

from __future__ import annotations

import numpy as np

CURVES_META, KL_META, MAP_META = "vae-train-curves", "vae-train-kl", "vae-train-map"
ACTIVE_NATS = 0.01
_TERMS = (("elbo", "ELBO (nats/image)"), ("reconstruction", "Reconstruction E_q[log p(x|z)]"),
          ("kl", "KL(q(z|x) ‖ p(z))"))
_SPLITS = (("train", "training", "solid", "#1f77b4"), ("val", "validation", "dot", "#d62728"))
_GAP = 0.2 / 3  # make_subplots' default horizontal spacing for three columns


def curves(history: list[dict]) -> dict:
    """ELBO, reconstruction and KL per epoch, training (solid) and validation (dotted), side by side."""
    ep = [r["epoch"] for r in history]
    # A marker per epoch while they can be told apart; beyond that, lines alone (a long run's hundreds of
    # markers made every update of the chart several times slower in the browser).
    mode = "lines+markers" if len(ep) <= 40 else "lines"
    width = (1 - 2 * _GAP) / 3
    data, layout, titles = [], {}, []
    for col, (term, title) in enumerate(_TERMS):
        axis = "" if col == 0 else str(col + 1)
        left = col * (width + _GAP)
        layout[f"xaxis{axis}"] = {"domain": [left, left + width], "anchor": f"y{axis}", "title": {"text": "epoch"}}
        layout[f"yaxis{axis}"] = {"domain": [0.0, 1.0], "anchor": f"x{axis}"}
        titles.append({"text": title, "x": left + width / 2, "y": 1.0, "xref": "paper", "yref": "paper",
                       "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 16}})
        for split, name, dash, color in _SPLITS:
            data.append({"type": "scatter", "x": ep, "y": [r[f"{split}_{term}"] for r in history], "mode": mode,
                         "name": name, "line": {"dash": dash, "color": color}, "showlegend": col == 0,
                         "legendgroup": split, "xaxis": f"x{axis}", "yaxis": f"y{axis}"})
    layout.update(meta=CURVES_META, height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                  legend={"orientation": "h", "y": -0.3}, annotations=titles)
    return {"data": data, "layout": layout}


def kl_bars(kl_per_dim: list[float]) -> dict:
    """Average validation KL per latent dimension; grey below the active-unit threshold."""
    kl = [float(v) for v in kl_per_dim]
    bar = {"type": "bar", "x": [f"z{i + 1}" for i in range(len(kl))], "y": kl,
           "marker": {"color": ["#1f77b4" if v > ACTIVE_NATS else "#bbbbbb" for v in kl]}}
    threshold = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": ACTIVE_NATS,
                 "y1": ACTIVE_NATS, "line": {"dash": "dot"}}
    log = max(kl, default=0) > 0
    # On a log axis Plotly places an annotation at log10 of its value (a shape at the value itself).
    label = {"text": f"{ACTIVE_NATS} nats: active", "xref": "x domain", "x": 1, "xanchor": "right",
             "yref": "y", "y": float(np.log10(ACTIVE_NATS)) if log else ACTIVE_NATS, "yanchor": "bottom",
             "showarrow": False}
    layout = {"meta": KL_META, "height": 260, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
              "title": {"text": "Validation KL per latent dimension"},
              "yaxis": {"title": {"text": "average KL (nats)"}, "type": "log" if log else "linear"},
              "shapes": [threshold], "annotations": [label]}
    return {"data": [bar], "layout": layout}


def latent_map(map_mu: np.ndarray, map_labels: list, epoch: int) -> dict:
    """Encoder means mu(x) of the fixed validation images, one trace per class."""
    labels = np.asarray(map_labels)
    data = []
    for label in sorted(set(labels.tolist()), key=str):
        pts = np.asarray(map_mu)[labels == label]
        data.append({"type": "scatter", "x": pts[:, 0].tolist(), "y": pts[:, 1].tolist(), "mode": "markers",
                     "name": str(label), "marker": {"size": 5}})
    layout = {"meta": MAP_META, "height": 380, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
              "title": {"text": f"μ(x) of {len(labels)} fixed validation images, epoch {epoch}"},
              "xaxis": {"title": {"text": "z1"}}, "yaxis": {"title": {"text": "z2"}, "scaleanchor": "x"}}
    return {"data": data, "layout": layout}
