"""Image grids that change while a run trains, redrawn in place in the browser.

st.image sends each new picture as a PNG file the browser fetches, decodes and lays out as a new element;
on the training page, twice a second, the two image rows cost the browser about a quarter of each update
(measured: 250-310 ms of main-thread time per update with them, about 195 ms without). This components-v2
element stays mounted for the whole run and paints each grid's raw grey pixels onto a canvas of its own.
The JS and CSS live beside this file.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from vae_core.images.gallery import tile_images

_HERE = Path(__file__).resolve().parent

_component = st.components.v2.component(
    "vae_live_images",
    js=(_HERE / "live_images.js").read_text(),
    css=(_HERE / "live_images.css").read_text(),
)


@dataclass(frozen=True)
class ImageRow:
    """(n, H, W) images in [0, 1], tiled `cols` to a row, shown `scale` times their size."""

    images: np.ndarray
    caption: str
    cols: int = 8
    scale: int = 3


# Each image at least this wide on the page: the 8 x 8 digits at the rows' scale 3 made a row of eight 160 px
# wide, too small to read a reconstruction; 28 x 28 images keep their scale.
MIN_IMAGE_PX = 48


def display_scale(row: ImageRow) -> int:
    """The row's scale, raised so that each image is at least MIN_IMAGE_PX wide."""
    width = int(np.asarray(row.images).shape[-1])
    return max(int(row.scale), -(-MIN_IMAGE_PX // max(width, 1)))


def grid_payload(row: ImageRow) -> dict:
    """One grid as the browser paints it: its size and its grey pixels (uint8, row-major, base64)."""
    grid = tile_images(row.images, cols=row.cols)
    return {"width": int(grid.shape[1]), "height": int(grid.shape[0]), "scale": display_scale(row),
            "pixels": base64.b64encode(np.ascontiguousarray(grid).tobytes()).decode("ascii"),
            "caption": row.caption}


def live_image_rows(grids: list[dict], revision: str, key: str) -> None:
    """Show the grids (`grid_payload`s); a later call with the same key repaints them in place. `revision`
    names the pictures (an epoch): the browser repaints only when it changes."""
    _component(key=key, data={"revision": revision, "grids": grids})
