"""Turn a photo, scan or drawing of a handwritten digit into an MNIST-like input.

MNIST's recipe: white ink on black, the digit's bounding box scaled so its
longer side is 20 px (anti-aliased), then placed in a 28x28 frame with its
centre of mass at the centre. The 8x8 `digits` set was made differently (a
32x32 binary bitmap filling its box, averaged over 4x4 blocks), so 8x8 models
get that recipe instead. `preprocess` returns every intermediate step so the
app can show what happened to the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageOps
from scipy import ndimage

from ..errors import ImageError

# Working resolution: a digit needs ~20 px in the end; 512 px keeps a small digit on
# a large page legible while bounding the cost of a 12-megapixel phone photo.
WORK_SIZE = 512
PREVIEW_SIZE = 112
PREVIEW_FRAME = (150, 150, 150, 255)  # visible on a light or a dark page, and on white or black ink
MIN_CONTRAST = 0.15  # ink must differ from paper by this much (0..1), else it is blank
THRESHOLD = 0.35  # after stretching, weaker values are paper texture or noise
SATURATE = 60  # percentile of ink pixel values that maps to 1
MIN_SPECK = 0.05  # ink blobs smaller than this fraction of the largest blob are dirt


@dataclass
class Step:
    name: str
    note: str
    preview: np.ndarray  # uint8, at most PREVIEW_SIZE px per side, for display only


@dataclass
class Preprocessed:
    pixels: np.ndarray  # (H, W) float32 in [0, 1], white ink on black
    inverted: bool
    steps: list[Step] = field(default_factory=list)


def _preview(arr: np.ndarray) -> np.ndarray:
    """A PREVIEW_SIZE square RGBA thumbnail. Narrow crops are letterboxed with transparent
    pixels, so the padding is the page's own background and never looks like part of the
    image (an opaque slate band did); an image's own transparency is kept."""
    img = Image.fromarray(arr if arr.dtype == np.uint8 else np.round(np.clip(arr, 0, 1) * 255).astype(np.uint8))
    img = img.convert("RGBA")
    k = PREVIEW_SIZE / max(img.size)
    small = k < 1 or max(img.size) >= PREVIEW_SIZE // 2
    size = (max(1, round(img.width * k)), max(1, round(img.height * k)))
    # Small images (the 28 px results) are enlarged with visible pixels, not blurred.
    img = img.resize(size, Image.Resampling.BILINEAR if small else Image.Resampling.NEAREST)
    canvas = Image.new("RGBA", (PREVIEW_SIZE, PREVIEW_SIZE), (0, 0, 0, 0))
    x0, y0 = (PREVIEW_SIZE - img.width) // 2, (PREVIEW_SIZE - img.height) // 2
    canvas.paste(img, (x0, y0))
    # A thin grey frame on the image's edge: a crop that is all white ink would vanish on a white page.
    ImageDraw.Draw(canvas).rectangle((x0, y0, x0 + img.width - 1, y0 + img.height - 1), outline=PREVIEW_FRAME)
    return np.asarray(canvas)


def orient(img: Image.Image) -> tuple[Image.Image, str]:
    """Step 1: apply the EXIF orientation tag, then shrink to the working size."""
    tag = img.getexif().get(0x0112, 1)
    img = ImageOps.exif_transpose(img)
    note = f"EXIF orientation {tag} applied" if tag not in (1, None) else "no EXIF rotation"
    if max(img.size) > WORK_SIZE:
        img = img.copy()
        img.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.LANCZOS if img.mode in ("L", "RGB", "RGBA") else
                      Image.Resampling.NEAREST)
        note += f"; shrunk to {img.width}x{img.height}"
    return img, note


def to_grayscale(img: Image.Image) -> np.ndarray:
    """Step 2: float array in [0, 1]; transparency is flattened onto white paper."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(img, dtype=np.float64) / 65535.0
    if img.mode in ("I", "F"):
        # 16-bit PNGs decode as "I"; a float TIFF may be in [0, 1] already.
        arr = np.asarray(img, dtype=np.float64)
        top = arr.max()
        scale = 1.0 if top <= 1.0 else 255.0 if top <= 255 else 65535.0
        return np.clip(arr / scale, 0.0, 1.0)
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.asarray(img.convert("L"), dtype=np.float64) / 255.0


def light_background(gray: np.ndarray) -> bool:
    """The border is mostly paper: a light border means dark ink on light paper."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border)) > 0.5


def flatten_background(ink: np.ndarray) -> np.ndarray:
    """Subtract the paper's own brightness, estimated by a grey opening wider than any
    stroke (a white top-hat), so a shadow or a lamp's gradient is not taken for ink.
    A stroke is about a tenth of the digit's height, so a quarter of the picture is
    wider than any stroke unless the digit overfills the frame."""
    size = max(15, max(ink.shape) // 4)
    background = ndimage.grey_opening(ink, size=(size, size))
    # The opening is blocky; smooth it, but never below itself, or a sharp edge
    # (the sheet against a dark table) would leave a rim of false ink.
    background = np.maximum(background, ndimage.uniform_filter(background, size))
    return np.clip(ink - np.minimum(background, ink), 0.0, 1.0)


def clean_ink(ink: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """Step 4: flatten uneven light, stretch paper to 0 and ink to 1, then zero texture,
    noise and specks."""
    ink = flatten_background(ink)
    lo = float(np.median(ink))  # paper: a digit covers well under half the picture
    # The strongest ink after a slight blur, so one hot pixel of sensor noise
    # cannot stand in for the ink's level.
    hi = float(ndimage.gaussian_filter(ink, 1.0).max())
    if hi - lo < MIN_CONTRAST:  # ink covers most of it (e.g. a forced inversion): use the darkest 2 %
        lo = float(np.percentile(ink, 2))
    if hi - lo < MIN_CONTRAST:
        raise ImageError("no ink found: the image is blank or has almost no contrast, so there is nothing to crop")
    out = np.clip((ink - lo) / (hi - lo), 0.0, 1.0)
    out[out < threshold] = 0.0
    out = drop_frames_and_specks(out)
    if out.any():
        # MNIST strokes are saturated in their core (they began as binary scans); a
        # photo's ink is uneven, so the stronger part of the ink is set to full white.
        out = np.clip(out / np.percentile(out[out > 0], SATURATE), 0.0, 1.0)
    return out


def drop_frames_and_specks(ink: np.ndarray) -> np.ndarray:
    """Zero blobs that run along the picture's edge for half its side or more (a
    table, the sheet's edge, a scanner lid) unless nothing else is left, then blobs
    under MIN_SPECK of the largest (dirt, sensor noise)."""
    labels, n = ndimage.label(ink > 0)
    if n == 0:
        return ink
    ring = np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])
    on_edge = np.bincount(ring, minlength=n + 1)
    keep = np.ones(n + 1, dtype=bool)
    keep[0] = False
    frames = on_edge >= 0.5 * min(ink.shape)
    frames[0] = False
    if (keep & ~frames).any():
        keep &= ~frames
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    keep &= sizes >= MIN_SPECK * sizes[keep].max()
    out = ink.copy()
    out[~keep[labels]] = 0.0
    return out


def ink_image(gray: np.ndarray, invert: bool | None = None, threshold: float = THRESHOLD) -> np.ndarray:
    """Steps 3 and 4: ink as bright values on a zero background, contrast-stretched.

    invert=None guesses from the border; True/False is the user's override.
    """
    if invert is None:
        invert = light_background(gray)
    return clean_ink(1.0 - gray if invert else gray, threshold)


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """Step 5: the ink's bounding box."""
    rows, cols = np.nonzero(ink)
    if rows.size == 0:
        raise ImageError("no ink found: nothing to crop")
    return ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def fit_box(ink: np.ndarray, box: int) -> np.ndarray:
    """Step 6: resize so the longer side is `box` pixels, keeping the aspect ratio.

    Lanczos on a float image low-pass filters before subsampling (anti-aliasing),
    so thin strokes become grey rather than vanishing.
    """
    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    img = Image.fromarray(ink.astype(np.float32), mode="F").resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(img, dtype=np.float64), 0.0, 1.0)


def centre_by_mass(digit: np.ndarray, size: int) -> np.ndarray:
    """Step 7: pad into a size x size frame, shifted so the centre of mass sits at pixel (size/2, size/2)."""
    out = np.zeros((size, size))
    h, w = digit.shape
    top, left = (size - h) // 2, (size - w) // 2
    out[top:top + h, left:left + w] = digit
    cy, cx = ndimage.center_of_mass(out)
    # MNIST's centre is pixel (14, 14), not the geometric 13.5: its test digits'
    # mean centre of mass is (13.98, 13.99). Half a pixel off costs a 2-D model
    # about 7 points of kNN accuracy.
    centre = size / 2
    shifted = ndimage.shift(out, (centre - cy, centre - cx), order=1, mode="constant")
    return np.clip(shifted, 0.0, 1.0)


def digits_frame(ink: np.ndarray, size: int = 8) -> np.ndarray:
    """Steps 6-7 for 8x8 `digits`: fit a binary bitmap into a (4 size)^2 box, centre it
    by its bounding box, and average 4x4 blocks, as that data set was made."""
    big = fit_box(ink, 4 * size) > 0.5
    frame = np.zeros((4 * size, 4 * size))
    h, w = big.shape
    top, left = (4 * size - h) // 2, (4 * size - w) // 2
    frame[top:top + h, left:left + w] = big
    return frame.reshape(size, 4, size, 4).mean(axis=(1, 3))


def preprocess(img: Image.Image, image_shape: tuple[int, int] = (28, 28), invert: bool | None = None) -> Preprocessed:
    """The whole recipe, keeping a preview of every step."""
    size = image_shape[0]
    steps = []
    img, note = orient(img)
    # RGBA, not RGB: dropping alpha shows a transparent PNG's hidden colour (often a black square).
    steps.append(Step("1 orientation", note, _preview(np.asarray(img.convert("RGBA")))))
    gray = to_grayscale(img)
    steps.append(Step("2 grayscale", "alpha flattened onto white" if "A" in img.mode or "transparency" in img.info
                      else "luminance", _preview(gray)))
    auto = light_background(gray)
    inverted = auto if invert is None else invert
    raw_ink = 1.0 - gray if inverted else gray
    how = "automatic" if invert is None else "your choice"
    steps.append(Step("3 inversion", f"{'inverted' if inverted else 'not inverted'} ({how})", _preview(raw_ink)))
    ink = clean_ink(raw_ink)
    steps.append(Step("4 contrast and threshold", f"paper below {THRESHOLD:.2f} set to 0", _preview(ink)))
    cropped = crop_to_ink(ink)
    steps.append(Step("5 crop", f"ink box {cropped.shape[1]}x{cropped.shape[0]}", _preview(cropped)))
    if size == 8:
        pixels = digits_frame(cropped, size)
        steps.append(Step("6 resize", "32 px binary bitmap", _preview((fit_box(cropped, 32) > 0.5).astype(float))))
        steps.append(Step("7 frame", "4x4 block average into 8x8", _preview(pixels)))
    else:
        box = max(1, round(size * 20 / 28))
        fitted = fit_box(cropped, box)
        steps.append(Step("6 resize", f"longer side {box} px, anti-aliased", _preview(fitted)))
        pixels = centre_by_mass(fitted, size)
        steps.append(Step("7 centre", f"{size}x{size}, centre of mass at the centre", _preview(pixels)))
    return Preprocessed(pixels=pixels.astype(np.float32), inverted=bool(inverted), steps=steps)


def mnist_style(img: Image.Image, image_shape: tuple[int, int] = (28, 28), invert: bool | None = None) -> np.ndarray:
    """The whole recipe; returns an (H, W) float32 array in [0, 1]."""
    return preprocess(img, image_shape, invert).pixels
