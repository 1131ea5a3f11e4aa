"""Where the page's image comes from: a data-set image, an upload, or a drawing. Uploads and drawings go
through the upload page's preprocessing (vae_core.images.preprocess) and its one-line, file-named messages."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_dataset
from app.common.draw_pad import draw_pad
from vae_core.data.imageio import EXTENSIONS, open_image
from vae_core.errors import DataError, ImageError
from vae_core.images.preprocess import preprocess

SOURCES = ("Data-set image", "Upload", "Draw")


@st.cache_data(max_entries=128, show_spinner=False)
def preprocessed(data: bytes, name: str, image_shape: tuple) -> np.ndarray:
    img = open_image(data, name=name, orient=False)
    try:
        return preprocess(img, image_shape, None).pixels
    except ImageError as exc:
        raise ImageError(f"{name}: {exc}") from None


def choose_image(model) -> tuple[np.ndarray, str] | None:
    """(pixels in [0, 1] of the model's image shape, a caption), or None while nothing is chosen yet.
    Raises VAECoreError for a picture a user can fix."""
    shape = tuple(model.config.image_shape)
    source = st.radio("Input x", SOURCES, horizontal=True, key="inside_source")
    if source == "Data-set image":
        data_name = model.card.get("data", {}).get("name")
        if not data_name:
            raise DataError("this model's card does not say which data set it was trained on")
        data = get_dataset(data_name)
        index = int(st.number_input(f"Image of {data_name} (training split)", 0, len(data.x) - 1, 0,
                                    key="inside_index"))
        label = data.class_names[int(data.y[index])] if data.y is not None else "?"
        return np.asarray(data.x[index], dtype=np.float32).reshape(shape), f"{data_name} #{index} (label {label})"
    if source == "Upload":
        upload = st.file_uploader("A photo or scan of one handwritten digit: "
                                  f"{', '.join(e.upper() for e in EXTENSIONS if e not in ('jpeg', 'tif'))}; "
                                  "at most 10 MB", type=list(EXTENSIONS), key="inside_upload")
        if upload is None:
            st.info("Upload an image to trace it through the VAE.")
            return None
        return preprocessed(upload.getvalue(), upload.name, shape), f"{upload.name}, preprocessed like MNIST"
    png = draw_pad(key="inside_pad")
    if png is None:
        st.info("Draw a digit on the pad to trace it through the VAE.")
        return None
    return preprocessed(png, "drawing.png", shape), "your drawing, preprocessed like MNIST"
