"""The training page's live map: hover a point for its validation image (map_hover.js), from a sprite sheet of
the run's fixed map images sent once per browser session. The reconstruction is not shown there: it would need
the model of that epoch in the browser; the saved model's is on the Latent map and Compare pages."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import numpy as np
import streamlit as st

from app.common.component_js import component_js
from app.common.hover_images import SPRITE_COLUMNS, sprite_png

from .run import Run
from .views import map_images, map_labels

SENT = "_train_hover_sent"

_component = st.components.v2.component("vae_train_map_hover",
                                        js=component_js(Path(__file__).resolve().parent / "map_hover.js"))


@st.cache_data(max_entries=8, show_spinner=False)
def _sprite(_data, data_name: str, n: int, shape: tuple[int, int], indices: tuple) -> tuple:
    """(id, PNG) of the map's images; keyed by the data set's name and size and the images picked."""
    png = sprite_png(np.asarray(_data.x[list(indices)], np.float32).reshape(-1, *shape))
    return hashlib.sha256(png).hexdigest()[:16], png


def _resend(key: str) -> None:
    st.session_state.setdefault(SENT, set()).discard((st.session_state.get(key) or {}).get("need"))


def train_map_hover(run: Run, key: str = "tr_map_hover") -> None:
    """For a 2-D run: mount the hover of its live map (the chart `run <id>` of live_plots)."""
    if run.cfg.latent_dim != 2 or run.data is None:
        return
    pick = map_images(run.data, run.cfg)
    labels = np.asarray(map_labels(run.data, pick))
    sprite_id, png = _sprite(run.data, run.cfg.data, len(run.data), tuple(run.data.image_shape),
                             tuple(int(i) for i in pick))
    sent = st.session_state.setdefault(SENT, set())
    # The map's groups are the classes in sorted order (figures.latent_map), each its points in map order.
    groups = [np.flatnonzero(labels == label).tolist() for label in sorted(set(labels.tolist()), key=str)]
    _component(key=key, data={"view": f"run {run.id}", "sprite_id": sprite_id,
                              "sprite": None if sprite_id in sent else base64.b64encode(png).decode("ascii"),
                              "groups": groups, "indices": [int(i) for i in pick], "cols": SPRITE_COLUMNS,
                              "height": int(run.data.image_shape[0]), "width": int(run.data.image_shape[1])},
               on_need_change=lambda: _resend(key))
    sent.add(sprite_id)
