"""The training page's live charts: Plotly specs that carry the run's numbers, and skeletons that stay
the same from epoch to epoch (a skeleton that changed would mount a new graph on every update)."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from app.common.live_figure import skeleton
from app.training.figures import CURVES_META, KL_META, MAP_META, curves, kl_bars, latent_map

TERMS = ("elbo", "reconstruction", "kl")


def history(epochs: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"epoch": e, **{f"{s}_{t}": float(rng.normal()) for s in ("train", "val") for t in TERMS}}
            for e in range(1, epochs + 1)]


def same(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_curves_carry_every_epoch_of_each_term_and_split():
    h = history(7)
    spec = curves(h)
    fig = go.Figure(spec)  # a valid Plotly figure
    assert fig.layout.meta == CURVES_META
    assert len(fig.data) == 6
    for i, (term, split) in enumerate((t, s) for t in TERMS for s in ("train", "val")):
        assert list(fig.data[i].x) == list(range(1, 8))
        assert list(fig.data[i].y) == [r[f"{split}_{term}"] for r in h]
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["ELBO (nats/image)", "Reconstruction E_q[log p(x|z)]", "KL(q(z|x) ‖ p(z))"]


def test_curves_skeleton_is_the_same_for_every_epoch_count():
    # 40 -> 41 epochs also switches markers off: the skeleton must not see it
    skeletons = [skeleton(curves(history(n, seed=n))) for n in (0, 1, 2, 40, 41, 300)]
    assert all(same(s, skeletons[0]) for s in skeletons)
    assert all("x" not in t and "y" not in t for t in skeletons[0]["data"])


def test_kl_bars_mark_active_units_and_keep_one_skeleton():
    spec = kl_bars([0.5, 0.001, 0.02])
    fig = go.Figure(spec)
    assert fig.layout.meta == KL_META
    assert list(fig.data[0].y) == [0.5, 0.001, 0.02]
    assert list(fig.data[0].marker.color) == ["#1f77b4", "#bbbbbb", "#1f77b4"]  # > 0.01 nats: active
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.shapes[0].y0 == 0.01
    # its label sits on the line: on a log axis Plotly reads an annotation's y as log10 of the value
    assert fig.layout.annotations[0].y == -2.0
    assert go.Figure(kl_bars([0.0, 0.0])).layout.annotations[0].y == 0.01  # all zero: a linear axis
    assert same(skeleton(spec), skeleton(kl_bars([0.0, 0.0, 0.0])))


def test_latent_map_draws_each_class_and_keeps_one_skeleton():
    mu = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    spec = latent_map(mu, ["1", "0", "1"], epoch=4)
    fig = go.Figure(spec)
    assert fig.layout.meta == MAP_META
    assert [t.name for t in fig.data] == ["0", "1"]
    assert list(fig.data[1].x) == [0.0, 4.0] and list(fig.data[1].y) == [1.0, 5.0]
    assert fig.layout.title.text.endswith("epoch 4")
    assert same(skeleton(spec), skeleton(latent_map(np.zeros((3, 2)), ["1", "0", "1"], epoch=0)))


def test_a_live_chart_needs_a_meta_to_be_found():
    from app.common.live_figure import live_chart

    with pytest.raises(ValueError, match="layout.meta"):
        live_chart({"data": [], "layout": {}}, key="x")
