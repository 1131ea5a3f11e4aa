"""Click-to-decode for the latent map: a components-v2 element that listens to clicks on the map.

A click anywhere on the chart, gaps included, decodes the exact coordinate under the cursor in
the browser at once (the decoder's weights come from the page-level mount of the live decoder)
and hands the point to Python, which decodes it again with PyTorch.
"""

from __future__ import annotations

import math
from pathlib import Path

import streamlit as st

from app.common.cache import get_model
from app.common.component_js import component_js
from app.common.model_cache import browser_weights

MAP_META = "vae-latent-map"  # layout.meta of the chart the component listens to
# No view of the map reaches this far (PCA and latent dimensions span a few units, t-SNE about a hundred);
# a click beyond it is a hostile client's, and 1e308 would decode to an image of NaN.
MAX_CLICK = 1e4

HERE = Path(__file__).resolve().parent  # the JS and CSS live beside this file

_component = st.components.v2.component(
    "vae_map_click",
    js=component_js(HERE / "click.js"),
    css=(HERE / "click.css").read_text(),
)


def map_click(model_name: str, view, display_px: int, on_click, key: str, served=None) -> None:
    """Mount the listener. A click stores {"x", "y", "seq"} in st.session_state[key].point and calls
    on_click before the rerun. Linear views (and unconditional models) also get an instant browser
    decode; for t-SNE the server finds the nearest data point."""
    model = get_model(model_name)
    preview = view.linear and not model.config.conditional
    weights_id = browser_weights(model_name)[0] if preview else None
    h, w = model.config.image_shape
    data = {"meta": MAP_META, "weights_id": weights_id, "height": h, "width": w, "display_px": display_px,
            "basis": view.basis.tolist() if preview else None,
            "served": None if served is None else [float(v) for v in served],  # the point the server decoded
            # The map it may listen to: right after a change of model, the old listener (the old basis) must
            # not take the new model's graph; the figure carries the same key (layout.vae_view).
            "view_key": key}
    _component(key=key, data=data, on_point_change=on_click)


def clicked_point(key: str) -> tuple[float, float] | None:
    """The component's last click, read in its on_click callback."""
    state = st.session_state.get(key)
    return point_from_wire(state.get("point") if hasattr(state, "get") else None)


def point_from_wire(value) -> tuple[float, float] | None:
    """(x, y) of a click as the browser sent it, or None unless both are finite numbers within MAX_CLICK:
    never trust the wire (Python's json reads NaN, Infinity and 1e400)."""
    try:
        x, y = value["x"], value["y"]
    except (TypeError, KeyError, IndexError):
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y)):
        return None
    if not all(math.isfinite(v) and abs(v) <= MAX_CLICK for v in (x, y)):
        return None
    return float(x), float(y)
