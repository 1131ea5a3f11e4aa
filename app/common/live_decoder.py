"""The live-decoding component: JS and CSS beside this file, registered once per process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from app.common.cache import get_model
from app.common.component_js import component_js
from app.common.model_cache import browser_weights, kl_per_dimension, map_points
from vae_core.latent.traversal import INACTIVE_KL, SLIDER_RANGE, kl_order

HERE = Path(__file__).resolve().parent  # the JS and CSS live beside this file

_component = st.components.v2.component(
    "vae_live_decoder",
    js=component_js(HERE / "live_decoder.js"),
    css=(HERE / "live_decoder.css").read_text(),
)


def live_weights(model_name: str) -> None:
    """Send the decoder's weights to the browser as one binary blob. Mount outside the sliders'
    fragment, so a release (which reruns only that fragment) never resends them."""
    _, blob = browser_weights(model_name)
    _component(key="live_weights", data=blob, height=0)


def weights_once(model_name: str, key: str) -> str:
    """Mount the decoder's weights unless this browser session has them already (they stay in the page's
    window-wide registry once parsed): for a page that shows several models' images on hover, whose weights
    would otherwise be resent, megabytes each, on every rerun. Returns the decoder's id."""
    weights_id, blob = browser_weights(model_name)
    sent = st.session_state.setdefault("_decoder_weights_sent", set())
    # Mounted on every run, empty once sent: an element that vanished from a rerun shifted every later one,
    # and the latent map's figure was then resent whole (0.46 MB) instead of by its hash.
    _component(key=key, data=None if weights_id in sent else blob, height=0)
    sent.add(weights_id)
    return weights_id


def live_decoder(model_name: str, z, nonce: int, label: int | None, note: str = "", server: dict | None = None,
                 on_release=None, key: str = "live") -> None:
    """Mount the sliders. A release stores {"z", "seq", "pixels", "nonce"} in st.session_state[key].z and
    calls on_release before the rerun; `server` ({"seq", "u8", "gap"}) is the server's decode to show."""
    weights_id, _ = browser_weights(model_name)
    model = get_model(model_name)
    kl = kl_per_dimension(model_name)
    if kl is None:  # no data set to average over: index order, all shown as active
        kl = [None] * len(z)
        active, inactive = list(range(len(z))), []
    else:
        active, inactive = kl_order(kl)
    data = {
        "weights_id": weights_id, "height": model.config.image_shape[0], "width": model.config.image_shape[1],
        "range": SLIDER_RANGE, "threshold": INACTIVE_KL,
        "active": [[d, _num(kl[d])] for d in active], "inactive": [[d, _num(kl[d])] for d in inactive],
        "start": {"nonce": nonce, "z": [float(v) for v in z], "note": note},
        "label": label, "map": map_points(model_name), "server": server,
    }
    _component(key=key, data=data, on_z_change=on_release or (lambda: None))


def released(key: str = "live") -> dict | None:
    """The component's last release, read in its on_release callback."""
    state = st.session_state.get(key)
    value = state.get("z") if hasattr(state, "get") else None
    return value if isinstance(value, dict) else None


MAX_WIRE_PIXELS = 256 * 256  # the largest image a model may have (vae_core's archive limit)


def wire_pixels(value) -> np.ndarray | None:
    """The browser's decoded pixels from a release, as float64, or None unless they are a flat list of at most
    MAX_WIRE_PIXELS finite numbers (a hostile client may send strings, objects or NaN instead)."""
    if not isinstance(value, list) or len(value) > MAX_WIRE_PIXELS:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    pixels = np.asarray(value, dtype=np.float64)
    return pixels if np.all(np.isfinite(pixels)) else None


def _num(v) -> float | None:
    return None if v is None else float(v)
