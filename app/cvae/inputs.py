"""Where the page's image comes from: a data-set image, an upload or a drawing,
preprocessed like the upload page does, with its messages for rejected images."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.common.cache import get_dataset
from app.common.draw_pad import draw_pad
from app.cvae.cache import prepare_upload
from vae_core.data.imageio import EXTENSIONS
from vae_core.errors import VAECoreError

SOURCES = ("Data-set image", "Upload", "Draw")


@dataclass(frozen=True)
class Picked:
    pixels: np.ndarray      # (pixels,) float32 in [0, 1]
    label: int | None       # the true label when the data set knows it
    source: str             # for captions


def pick_image(model) -> Picked | None:
    """Widgets for choosing one image; None (with a message shown) when there is none yet."""
    source = st.radio("Image", SOURCES, horizontal=True, key="cvae_source")
    shape = tuple(model.config.image_shape)
    if source == "Data-set image":
        data = get_dataset(model.card.get("data", {}).get("name", "mnist-5k"))
        i = st.number_input(f"Index in {data.name} (0 – {len(data) - 1})", 0, len(data) - 1, 0, key="cvae_index")
        return Picked(np.asarray(data.x[int(i)], np.float32), int(data.y[int(i)]), f"{data.name} #{int(i)}")
    if source == "Upload":
        f = st.file_uploader("One image of a digit, at most 10 MB", type=list(EXTENSIONS), key="cvae_upload")
        if f is None:
            st.info("Upload a photo or scan of one handwritten digit.")
            return None
        return _prepared(f.getvalue(), f.name, shape)
    png = draw_pad(key="cvae_draw")
    if png is None:
        st.info("Draw one digit on the pad.")
        return None
    return _prepared(png, "drawing.png", shape)


def _prepared(data: bytes, name: str, shape) -> Picked | None:
    try:
        pixels = prepare_upload(data, name, shape)
    except VAECoreError as exc:
        st.error(str(exc) if str(exc).startswith(name) else f"{name}: {exc}")
        return None
    return Picked(pixels.reshape(-1), None, name)
