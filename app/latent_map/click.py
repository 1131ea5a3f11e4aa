"""Click-to-decode for the latent map: a components-v2 element that listens to clicks on the map.

A click anywhere on the chart, gaps included, decodes the exact coordinate under the cursor in
the browser at once (the decoder's weights come from the page-level mount of the live decoder)
and hands the point to Python, which decodes it again with PyTorch.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.common.cache import get_model
from app.common.component_js import component_js
from app.common.model_cache import browser_weights

MAP_META = "vae-latent-map"  # layout.meta of the chart the component listens to

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
            "served": None if served is None else [float(v) for v in served]}  # the point the server decoded
    _component(key=key, data=data, on_point_change=on_click)


def clicked_point(key: str) -> tuple[float, float] | None:
    """The component's last click, read in its on_click callback."""
    state = st.session_state.get(key)
    value = state.get("point") if hasattr(state, "get") else None
    try:
        return float(value["x"]), float(value["y"])
    except (TypeError, KeyError, ValueError):
        return None  # never trust the wire
