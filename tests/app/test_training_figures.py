"""The training page's live charts: specs for app/common/live_plots (uPlot) that carry the run's numbers."""

import json

import numpy as np
import pytest

from app.common.palette import CLASS_COLOURS
from app.training.figures import ACTIVE_NATS, MARKERS_UP_TO, curves, kl_bars, latent_map, rows

TERMS = ("elbo", "reconstruction", "kl")


def history(epochs: int, seed: int = 0, dims: int = 2) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"epoch": e, **{f"{s}_{t}": float(rng.normal()) for s in ("train", "val") for t in TERMS},
             "val_kl_per_dim": rng.uniform(0, 1, dims).tolist()} for e in range(1, epochs + 1)]


def test_curves_carry_every_epoch_of_each_term_and_split():
    h = history(7)
    specs = curves(h)
    assert [s["title"] for s in specs] == ["ELBO (nats/image)", "Reconstruction E_q[log p(x|z)]", "KL(q(z|x) ‖ p(z))"]
    for spec, term in zip(specs, TERMS, strict=True):
        assert spec["kind"] == "lines" and spec["x"] == list(range(1, 8))
        train, val = spec["series"]
        assert (train["label"], val["label"]) == ("training", "validation")
        assert train["y"] == [r[f"train_{term}"] for r in h] and val["y"] == [r[f"val_{term}"] for r in h]
        assert not train["dash"] and val["dash"]
    assert [s["legend"] for s in specs] == [True, False, False]  # one legend for the three
    json.dumps(specs, allow_nan=False)  # what the browser gets is plain JSON


def test_curves_show_markers_only_while_epochs_can_be_told_apart():
    assert curves(history(MARKERS_UP_TO))[0]["points"] is True
    assert curves(history(MARKERS_UP_TO + 1))[0]["points"] is False
    assert curves([])[0]["x"] == []


def test_kl_bars_mark_active_units_and_use_a_log_axis_once_any_has_kl():
    spec = kl_bars([0.5, 0.001, 0.02, ACTIVE_NATS])
    assert spec["kind"] == "bars" and spec["categories"] == ["z1", "z2", "z3", "z4"]
    assert spec["y"] == [0.5, 0.001, 0.02, ACTIVE_NATS]
    grey = "#bbbbbb"
    assert [c == grey for c in spec["colors"]] == [False, True, False, True]  # active means above 0.01 nats
    assert spec["log"] and spec["threshold"] == {"y": ACTIVE_NATS, "label": "0.01 nats: active"}
    assert kl_bars([0.0, 0.0])["log"] is False  # nothing to show on a log axis yet


def test_latent_map_draws_each_class_in_its_own_colour():
    mu = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    spec = latent_map(mu, ["1", "0", "1"], epoch=4)
    assert spec["kind"] == "scatter" and spec["title"].endswith("epoch 4")
    zero, one = spec["groups"]
    assert (zero["label"], zero["x"], zero["y"]) == ("0", [2.0], [3.0])
    assert (one["label"], one["x"], one["y"]) == ("1", [0.0, 4.0], [1.0, 5.0])
    assert (zero["color"], one["color"]) == CLASS_COLOURS[:2]


def test_rows_put_the_map_beside_the_kl_bars_only_for_a_2d_latent():
    h = history(3)
    specs, columns = rows(h, {"map_mu": np.zeros((4, 2)), "map_labels": ["a", "b", "a", "b"]}, 2)
    assert [[s["id"] for s in row] for row in specs] == [["curves-elbo", "curves-reconstruction", "curves-kl"],
                                                         ["kl", "map"]]
    assert columns == [3, 2] and specs[1][0]["y"] == h[-1]["val_kl_per_dim"]
    specs, columns = rows(history(3, dims=5), {}, 5)
    assert [s["id"] for s in specs[1]] == ["kl"] and columns == [3, 2]  # the bars keep half the width


def test_rows_before_the_first_epoch_are_the_curves_and_bars_empty():
    specs, _ = rows([], {}, 2)
    assert [[s["id"] for s in row] for row in specs] == [["curves-elbo", "curves-reconstruction", "curves-kl"],
                                                         ["kl"]]
    assert specs[0][0]["x"] == [] and specs[1][0]["y"] == [0.0, 0.0]


def test_live_plots_refuses_duplicate_ids_and_unknown_kinds():
    from app.common.live_plots import live_plots

    with pytest.raises(ValueError, match="unique"):
        live_plots([[{"id": "a", "kind": "lines"}, {"id": "a", "kind": "bars"}]], view="v", revision=1, key="k")
    with pytest.raises(ValueError, match="kind"):
        live_plots([[{"id": "a", "kind": "pie"}]], view="v", revision=1, key="k")


def test_the_live_map_uses_the_one_palette_and_draws_the_prior_circles():
    """Class 1 is the latent map's orange on the Train page too (it was light blue), and the map carries the
    prior's 1, 2, 3 sigma circles, so the spread of a KL-weight-0 run has a scale."""
    import numpy as np

    from app.common.palette import class_colour
    from app.training.figures import latent_map

    labels = [str(i % 10) for i in range(40)]
    spec = latent_map(np.random.default_rng(0).normal(size=(40, 2)), labels, epoch=1)
    colours = {g["label"]: g["color"] for g in spec["groups"]}
    assert colours["1"] == class_colour(1) == "#ff7f0e"
    assert [colours[str(i)] for i in range(10)] == [class_colour(i) for i in range(10)]
    assert spec["circles"] == [1, 2, 3]
