"""Turn a photo or scan of a handwritten digit into an MNIST-like input.

MNIST's recipe: white ink on black, the digit's bounding box scaled so its
longer side is 20 px (anti-aliased), then placed in a 28x28 frame with its
centre of mass at the centre. Models of other sizes get the same recipe scaled
(8x8 digits: longer side 6 px).
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from .errors import ImageError


def to_grayscale(img: Image.Image) -> np.ndarray:
    """Float array in [0, 1]; transparency is flattened onto white paper."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = arr.max()
        return arr / top if top > 0 else arr
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.asarray(img.convert("L"), dtype=np.float64) / 255.0


def ink_image(gray: np.ndarray, invert: bool | None = None, threshold: float = 0.2) -> np.ndarray:
    """Ink as bright values on a zero background, contrast-stretched.

    invert=None guesses from the border: a light border means dark ink on paper.
    Values below `threshold` after stretching are paper texture and set to 0.
    """
    if invert is None:
        border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
        invert = float(np.median(border)) > 0.5
    ink = 1.0 - gray if invert else gray
    lo, hi = np.percentile(ink, 2), ink.max()
    if hi - lo < 0.1:
        raise ImageError("no ink found: the image is blank or has almost no contrast")
    ink = np.clip((ink - lo) / (hi - lo), 0.0, 1.0)
    ink[ink < threshold] = 0.0
    return ink


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(ink)
    if rows.size == 0:
        raise ImageError("no ink found: nothing to crop")
    return ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def fit_box(ink: np.ndarray, box: int) -> np.ndarray:
    """Resize so the longer side is `box` pixels, keeping the aspect ratio."""
    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    img = Image.fromarray((ink * 255).astype(np.uint8)).resize(size, Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.float64) / 255.0


def centre_by_mass(digit: np.ndarray, size: int) -> np.ndarray:
    """Pad into a size x size frame, shifted so the centre of mass sits at the centre."""
    out = np.zeros((size, size))
    h, w = digit.shape
    top, left = (size - h) // 2, (size - w) // 2
    out[top:top + h, left:left + w] = digit
    cy, cx = ndimage.center_of_mass(out)
    centre = (size - 1) / 2
    shifted = ndimage.shift(out, (centre - cy, centre - cx), order=1, mode="constant")
    return np.clip(shifted, 0.0, 1.0)


def mnist_style(img: Image.Image, image_shape: tuple[int, int] = (28, 28), invert: bool | None = None) -> np.ndarray:
    """The whole recipe; returns an (H, W) float32 array in [0, 1]."""
    size = image_shape[0]
    box = max(1, round(size * 20 / 28))
    ink = crop_to_ink(ink_image(to_grayscale(img), invert))
    return centre_by_mass(fit_box(ink, box), size).astype(np.float32)
