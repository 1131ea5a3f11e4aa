"""Where a page's one image comes from: a data-set image, an upload or a drawing. Uploads and drawings go
through the upload page's preprocessing (vae_core.images.preprocess). A picture that cannot be used gets the
upload page's one-line message naming the file, never a traceback, and the page goes on without an image."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.common.cache import get_dataset
from app.common.draw_pad import draw_pad
from app.common.link_state import linked_choice, linked_number
from vae_core.data.imageio import EXTENSIONS, open_image
from vae_core.errors import ImageError, VAECoreError
from vae_core.images.preprocess import WORK_SIZE, preprocess

SOURCES = ("Data-set image", "Upload", "Draw")
# The formats as a visitor knows them: JPEG and TIF are the same formats as JPG and TIFF.
ACCEPTED_FORMATS = ", ".join(e.upper() for e in EXTENSIONS if e not in ("jpeg", "tif"))
DRAWING_NAME = "drawing.png"


@dataclass(frozen=True)
class ChosenImage:
    pixels: np.ndarray  # (H, W) float32 in [0, 1], the model's image shape
    label: int | None  # the true class index, when the data set knows it
    caption: str


@st.cache_data(max_entries=256, show_spinner=False)
def preprocessed_pixels(data: bytes, name: str, image_shape: tuple[int, int]) -> np.ndarray:
    """MNIST-style (H, W) pixels of an uploaded or drawn image; an ImageError names the file."""
    # Orientation is a visible preprocessing step; a large picture is decoded at reduced size.
    img = open_image(data, name=name, orient=False, max_side=WORK_SIZE)
    try:
        return preprocess(img, image_shape, None).pixels
    except ImageError as exc:
        raise ImageError(f"{name}: {exc}") from None


def upload_error(file_name: str, exc: Exception) -> str:
    """The one line a visitor sees for a picture that cannot be used, starting with its name. Anything but a
    VAECoreError is a bug, not the visitor's doing: its traceback goes to the log, never to the page."""
    if isinstance(exc, VAECoreError):
        message = str(exc)
    else:
        logging.getLogger(__name__).error("%s could not be processed", file_name, exc_info=exc)
        message = f"{file_name}: could not be processed ({type(exc).__name__})"
    return message if message.startswith(file_name) else f"{file_name}: {message}"


def in_file_order(messages: list[str], names: list[str]) -> list[str]:
    """upload_error-style lines (each starting with its file's name) in the order the files were given, so that
    a file refused from its header and one refused after decoding are told in the batch's own order."""
    def position(message: str) -> int:
        return next((i for i, n in enumerate(names) if message.startswith(f"{n}:")), len(names))
    return sorted(messages, key=position)


def choose_image(model, key: str, label: str, purpose: str, sources=SOURCES) -> ChosenImage | None:
    """The widgets for choosing one image for `model`, keyed `{key}_source`, `{key}_index`, `{key}_upload` and
    `{key}_draw`. None, with a message shown, while nothing is chosen or the choice cannot be used. `purpose`
    ends the prompts, e.g. "to trace it through the VAE". `sources`: some of SOURCES, in the order shown."""
    # A link keeps the source and a data-set image's index (?image=), never an upload or a drawing.
    source = linked_choice(st.radio, label, list(sources), sources[0], key=f"{key}_source", name="source",
                           horizontal=True)
    shape = tuple(model.config.image_shape)
    if source == "Data-set image":
        return _data_set_image(model, key, shape)
    if source == "Upload":
        upload = st.file_uploader(f"A photo or scan of one handwritten digit: {ACCEPTED_FORMATS}; at most 10 MB",
                                  type=list(EXTENSIONS), key=f"{key}_upload")
        if upload is None:
            st.info(f"Upload a photo or scan of one handwritten digit {purpose}.")
            return None
        return _preprocessed(upload.getvalue(), upload.name, shape, f"{upload.name}, preprocessed like MNIST")
    png = draw_pad(key=f"{key}_draw")
    if png is None:
        st.info(f"Draw a digit on the pad {purpose}.")
        return None
    return _preprocessed(png, DRAWING_NAME, shape, "your drawing, preprocessed like MNIST")


def _data_set_image(model, key: str, shape: tuple[int, int]) -> ChosenImage | None:
    name = model.card.get("data", {}).get("name")
    if not name:
        st.error("This model's card does not say which data set it was trained on: upload or draw an image.")
        return None
    try:
        data = get_dataset(name)
    except VAECoreError as exc:
        st.error(str(exc))
        return None
    index = int(linked_number(st, f"Index in {name} (0 to {len(data) - 1})", 0, len(data) - 1, 0,
                              key=f"{key}_index", name="image"))
    y = int(data.y[index])
    class_name = data.class_names[y] if data.class_names else str(y)
    return ChosenImage(np.asarray(data.x[index], np.float32).reshape(shape), y,
                       f"{name} #{index} (label {class_name})")


def _preprocessed(data: bytes, name: str, shape: tuple[int, int], caption: str) -> ChosenImage | None:
    try:
        pixels = preprocessed_pixels(data, name, shape)
    except Exception as exc:  # an unusable picture must never show a traceback; upload_error logs a bug's
        st.error(upload_error(name, exc))
        return None
    return ChosenImage(pixels, None, caption)
