"""Images on the map: hovering a data point on a latent scatter shows that image and its reconstruction
beside the cursor, drawn in the browser without a call to the server.

The page sends, once per browser session and data set, a sprite sheet of the points' images (one PNG, bounded
by MAX_HOVER_IMAGES); the reconstruction mu_D(mu(x)) is decoded in the browser from the point's mean mu(x),
sent as float32 bytes, by the decoder whose weights the page already mounted for click-to-decode. The scatter's
traces name each point's data-set index in customdata.
"""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image

from app.common.cache import get_dataset
from app.common.component_js import component_js

HERE = Path(__file__).resolve().parent  # the JS and CSS live beside this file
MAX_HOVER_IMAGES = 10_000  # about 1.7 MB of PNG for MNIST digits; a larger data set gets an even subsample
SPRITE_COLUMNS = 100
SENT = "_hover_sprites_sent"  # the sprite ids this browser session has received

_component = st.components.v2.component(
    "vae_hover_images",
    js=component_js(HERE / "hover_images.js"),
    css=(HERE / "hover_images.css").read_text(),
)


def hover_indices(n: int) -> np.ndarray:
    """Which of n points carry a thumbnail: all of them up to MAX_HOVER_IMAGES, else an even subsample."""
    return np.arange(n) if n <= MAX_HOVER_IMAGES else np.linspace(0, n - 1, MAX_HOVER_IMAGES).astype(np.int64)


def sprite_png(images: np.ndarray, cols: int = SPRITE_COLUMNS) -> bytes:
    """The images (N, h, w) in [0, 1] as one greyscale PNG, `cols` to a row, no padding: image k's tile is at
    row k // cols, column k % cols."""
    images = np.asarray(images, np.float32)
    n, h, w = images.shape
    rows = -(-n // cols)
    sheet = np.zeros((rows * h, cols * w), np.uint8)
    tiles = np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)
    padded = np.zeros((rows * cols, h, w), np.uint8)
    padded[:n] = tiles
    sheet[:] = padded.reshape(rows, cols, h, w).transpose(0, 2, 1, 3).reshape(rows * h, cols * w)
    out = io.BytesIO()
    Image.fromarray(sheet, mode="L").save(out, format="PNG", optimize=True)
    return out.getvalue()


@st.cache_resource(max_entries=4, show_spinner=False)
def sprite(data_name: str, shape: tuple[int, int]) -> tuple[str, str, list[int]]:
    """(id, PNG as base64, indices) of a data set's hover sheet; the id names its content, for the browser to
    keep. A resource, kept as one object and never changed: st.cache_data copied the 1.7 MB sheet out of its
    cache on every rerun of every visitor, and each page that sent it encoded it again."""
    images = get_dataset(data_name).x
    indices = hover_indices(len(images))
    png = sprite_png(np.asarray(images[indices], np.float32).reshape(len(indices), *shape))
    return hashlib.sha256(png).hexdigest()[:16], base64.b64encode(png).decode("ascii"), indices.tolist()


def _resend(key: str) -> None:
    """The browser asked again (it lost the sheet, or never drew the run that carried it)."""
    wanted = (st.session_state.get(key) or {}).get("need")
    st.session_state.setdefault(SENT, set()).discard(wanted)


def hover_images(meta: str, data_name: str, shape: tuple[int, int], mu: np.ndarray | None,
                 weights_id: str | None, key: str, positions: np.ndarray | None = None,
                 labels: np.ndarray | None = None) -> None:
    """Mount the hover listener for the Plotly chart whose layout.meta is `meta`. `mu` (N, D) and `weights_id`
    (the mounted browser decoder) give the reconstruction, None the image alone. `positions`: the data-set
    index of each point when the chart shows a subsample (its customdata are then positions in it); `labels`:
    every image's class, for a conditional decoder."""
    sprite_id, png_base64, indices = sprite(data_name, tuple(shape))
    mu_id = None if mu is None or weights_id is None else f"{weights_id}:{sprite_id}"
    sent = st.session_state.setdefault(SENT, set())
    # Base64 in the JSON: a components-v2 payload is raw bytes or JSON, not both.
    data = {"meta": meta, "sprite_id": sprite_id,
            "sprite": None if sprite_id in sent else png_base64,
            "indices": None if len(indices) == len(get_dataset(data_name).x) else indices,
            "positions": None if positions is None else np.asarray(positions).tolist(),
            "labels": None if labels is None else np.asarray(labels)[indices].astype(int).tolist(),
            "count": len(indices), "height": int(shape[0]), "width": int(shape[1]), "cols": SPRITE_COLUMNS,
            "weights_id": weights_id if mu_id else None, "mu_id": mu_id,
            "mu": None if mu_id is None or mu_id in sent else
            base64.b64encode(np.asarray(mu, "<f4")[indices].tobytes()).decode("ascii"),
            "latent_dim": None if mu is None else int(np.asarray(mu).shape[1])}
    sent.update({sprite_id, mu_id} - {None})
    _component(key=key, data=data, on_need_change=lambda: _resend(key))
