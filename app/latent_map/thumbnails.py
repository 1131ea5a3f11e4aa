"""Thumbnails on the latent map: up to 300 of the data set's images drawn at their codes, none overlapping
(vae_core/latent/thumbnails.py chooses them), as Plotly layout images in data coordinates, so they pan and
zoom with the map. Built once per model, data set and view, for every visitor."""

from __future__ import annotations

import base64
import io

import numpy as np
import streamlit as st
from PIL import Image

from app.common.cache import get_dataset
from app.latent_map import cache as lmc
from vae_core.latent.thumbnails import spread_thumbnails

COUNT = 300
ACROSS = 24  # a thumbnail's side is the map's width over this: about 26 px on the 640 px map at 1280


def _png_uri(image: np.ndarray) -> str:
    out = io.BytesIO()
    Image.fromarray(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8), mode="L").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@st.cache_data(show_spinner=False, max_entries=16)
def thumbnail_images(model_name: str, data_name: str, method: str, dims: tuple[int, int],
                     box: tuple[tuple[float, float], tuple[float, float]]) -> list[dict]:
    """Plotly layout images: each chosen point's image, centred on its code. `box` is the map's frame."""
    data = get_dataset(data_name)
    coords = lmc.view(model_name, data_name, method, dims).coords
    shown = lmc.view_indices(model_name, data_name, method)
    (x0, _), (x1, _) = box
    size = (x1 - x0) / ACROSS
    images = data.x.reshape(len(data.x), *data.image_shape)
    return [{"source": _png_uri(images[shown[i]]), "xref": "x", "yref": "y", "x": float(coords[i, 0]),
             "y": float(coords[i, 1]), "sizex": size, "sizey": size, "xanchor": "center", "yanchor": "middle",
             "sizing": "stretch", "layer": "above", "name": f"index {int(shown[i])}"}
            for i in spread_thumbnails(coords, size, COUNT)]
