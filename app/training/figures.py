"""The training page's live charts as specs for app/common/live_plots (uPlot on canvases).

Plain dicts of numbers and labels: the page builds them once per epoch it shows, and the browser updates
the charts already on the page with them. `rows(...)` lays them out: the three curves side by side, then
the KL per dimension beside the 2-D map.
"""

from __future__ import annotations

import numpy as np

from app.common.palette import INACTIVE_COLOUR, TRAIN_COLOUR, VALIDATION_COLOUR, class_colour

ACTIVE_NATS = 0.01
_TERMS = (("elbo", "ELBO (nats/image)"), ("reconstruction", "Reconstruction E_q[log p(x|z)]"),
          ("kl", "KL(q(z|x) ‖ p(z))"))
_SPLITS = (("train", "training", False, TRAIN_COLOUR), ("val", "validation", True, VALIDATION_COLOUR))
# The prior's 1, 2, 3 sigma circles on the map: with the KL weight at 0 the codes spread far beyond them, and
# without them the spread had no scale (the axes simply grew with it).
PRIOR_CIRCLES = (1, 2, 3)
# A marker per epoch while they can be told apart; beyond that, lines alone.
MARKERS_UP_TO = 40


def curves(history: list[dict]) -> list[dict]:
    """ELBO, reconstruction and KL per epoch, training (solid) and validation (dashed): three charts."""
    ep = [r["epoch"] for r in history]
    return [{"id": f"curves-{term}", "kind": "lines", "title": title, "height": 260, "x": ep, "xlabel": "epoch",
             "points": len(ep) <= MARKERS_UP_TO, "legend": term == "elbo",  # one legend for the three
             "series": [{"label": name, "y": [float(r[f"{split}_{term}"]) for r in history], "color": color,
                         "dash": dash} for split, name, dash, color in _SPLITS]}
            for term, title in _TERMS]


def kl_bars(kl_per_dim: list[float]) -> dict:
    """Average validation KL per latent dimension; grey at or below the active-unit threshold; a log axis
    once any dimension has KL (the bars span orders of magnitude)."""
    kl = [float(v) for v in kl_per_dim]
    return {"id": "kl", "kind": "bars", "title": "Validation KL per latent dimension", "height": 300,
            "categories": [f"z{i + 1}" for i in range(len(kl))], "y": kl,
            "colors": [TRAIN_COLOUR if v > ACTIVE_NATS else INACTIVE_COLOUR for v in kl],
            "log": max(kl, default=0) > 0, "ylabel": "average KL (nats)", "legend": False,
            "threshold": {"y": ACTIVE_NATS, "label": f"{ACTIVE_NATS} nats: active"}}


def latent_map(map_mu: np.ndarray, map_labels: list, epoch: int) -> dict:
    """Encoder means mu(x) of the fixed validation images, one group (and colour) per class."""
    labels = np.asarray(map_labels)
    mu = np.asarray(map_mu, dtype=float)
    groups = []
    for i, label in enumerate(sorted(set(labels.tolist()), key=str)):
        pts = mu[labels == label]
        # the class's place among the sorted names is its index (digits: "0" ... "9"), as on the latent map
        groups.append({"label": str(label), "x": pts[:, 0].tolist(), "y": pts[:, 1].tolist(),
                       "color": class_colour(i)})
    return {"id": "map", "kind": "scatter", "title": f"μ(x) of {len(labels)} fixed validation images, epoch {epoch}",
            "height": 340, "xlabel": "z1", "ylabel": "z2", "groups": groups, "circles": list(PRIOR_CIRCLES)}


def rows(history: list[dict], views: dict, latent_dim: int) -> tuple[list[list[dict]], list[int]]:
    """The page's charts in rows, and each row's number of columns: the curves, then KL and, for a 2-D
    latent, the map. Before the first epoch the curves and the bars, empty: on the page, ready, while the
    training process starts (the map needs its first points)."""
    second = [kl_bars(history[-1]["val_kl_per_dim"] if history else [0.0] * latent_dim)]
    if "map_mu" in views:
        second.append(latent_map(views["map_mu"], views["map_labels"], history[-1]["epoch"]))
    return [curves(history), second], [3, 2]
