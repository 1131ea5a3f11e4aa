"""Opening image files a user gave us, safely.

Only the formats in ALLOWED_FORMATS are parsed (Pillow would otherwise try
dozens, some of them through external programs), the decoded size is capped
(a small file can claim billions of pixels) per file and, through a
PixelBudget, per request (one upload of many files), animations are refused,
and every failure becomes an ImageError with a one-line reason.

A caller that needs the picture only up to some size (the preprocessing works
at 512 px) passes max_side: a JPEG is then decoded at 1/2, 1/4 or 1/8 scale
by its own decoder (Image.draft), and any other format is reduced by an
integer factor (Image.reduce) right after decoding, before anything copies
the full-size pixels. Pillow exposes no scaled decode for PNG or WebP, so
those still cost their full size once; the budgets count that.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageError
from ..fileio import read_regular_file

ALLOWED_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp")
MAX_PIXELS = 40_000_000
# Pillow decodes a WebP through libwebp's animation decoder, which holds four full-size RGBA copies at once
# (a 39-megapixel WebP added 550 MB), and has no reduced decode: WebPs are held to a large photo's size.
MAX_WEBP_PIXELS = 16_000_000
# All the files of one request together (an upload of up to 64 files): three images at the per-file limit, about
# 2-3 s of decoding on one core. 64 phone photos fit, as JPEGs are decoded at reduced size.
MAX_BATCH_PIXELS = 120_000_000
# A phone photo is a few MB; the upload page's own limit is 10 MB (.streamlit/config.toml maxUploadSize).
MAX_FILE_BYTES = 50_000_000
# JPEGs can be decoded at 1/2, 1/4 or 1/8 scale for free; a digit needs far
# less than this (preprocessing works at 512 px), so a 10,000 x 10,000 photo is
# decoded at 1,250 x 1,250. A caller passing max_side gets less.
JPEG_DRAFT = (1024, 1024)
# Other formats are reduced to at least this many times max_side, as Image.thumbnail's own first step does
# (its reducing_gap), so the filter that follows still sees enough pixels.
REDUCING_GAP = 2
ORIENTATION = 0x0112  # the EXIF tag


@dataclass
class PixelBudget:
    """The decoded pixels one request may spend: charge each file, from its header, before decoding it."""

    limit: int = field(default_factory=lambda: MAX_BATCH_PIXELS)
    spent: int = 0

    def charge(self, label: str, pixels: int) -> None:
        """Spend `pixels` on `label`, or refuse it (spending nothing) when the request's budget is used up."""
        if self.spent + pixels > self.limit:
            raise ImageError(f"{label}: not decoded: the images of this upload would hold more than "
                             f"{self.limit / 1e6:g} megapixels together ({pixels / 1e6:.1f} for this one); "
                             "upload fewer or smaller images at a time")
        self.spent += pixels


def open_image(source: str | Path | bytes, name: str | None = None, orient: bool = True,
               max_side: int | None = None) -> Image.Image:
    """Decode an image from a path or bytes; apply its EXIF orientation unless orient=False
    (the preprocessing does it as a visible step). max_side: the caller needs at most this many pixels on
    the longer side (see the module's docstring). A request of several files charges each to a PixelBudget
    first (admit_batch)."""
    label = name or (str(source) if not isinstance(source, bytes) else "image")
    data = source if isinstance(source, bytes) else read_regular_file(source, MAX_FILE_BYTES, ImageError, label)
    with _image_errors(label):
        img = _opened(data, label, max_side)
        img.load()
        img = _reduced(img, max_side)
        return ImageOps.exif_transpose(img) if orient else img


def decoded_pixels(data: bytes, name: str, max_side: int | None = None) -> int:
    """How many pixels open_image(data, max_side=max_side) would decode, read from the header alone: what a
    request charges a file before deciding to decode it. Raises ImageError as open_image would."""
    with _image_errors(name):
        img = _opened(data, name, max_side)
        return img.width * img.height


def admit_batch(items: list[tuple[str, bytes]], max_side: int | None = None,
                limit: int | None = None) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The (name, bytes) files of one request that may be decoded, in order, and a one-line message for each
    other one: a file that cannot be opened, or one that comes after the request's PixelBudget is spent.
    Each file is charged, from its header alone, what open_image(..., max_side) will decode; nothing is
    decoded here, so the answer is the same on every rerun, whether or not a file's result is cached."""
    budget, admitted, refused = PixelBudget(MAX_BATCH_PIXELS if limit is None else limit), [], []
    for name, data in items:
        try:
            budget.charge(name, decoded_pixels(data, name, max_side))
        except ImageError as exc:
            refused.append(str(exc))
        else:
            admitted.append((name, data))
    return admitted, refused


def _opened(data: bytes, label: str, max_side: int | None) -> Image.Image:
    """The image, opened (header parsed, JPEG scale chosen) but not decoded."""
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"{label}: {len(data):,} bytes is too large (at most {MAX_FILE_BYTES // 1_000_000} MB)")
    if not data:
        raise ImageError(f"{label}: the file is empty")
    img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    if img.format == "JPEG":
        img.draft(img.mode, JPEG_DRAFT if max_side is None else _fitted(img.size, max_side))
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise ImageError(f"{label}: {width}x{height} is too large to open "
                         f"(at most {MAX_PIXELS // 1_000_000} megapixels; JPEGs of any size are fine)")
    if img.format == "WEBP" and width * height > MAX_WEBP_PIXELS:
        raise ImageError(f"{label}: {width}x{height} is too large for a WebP (at most "
                         f"{MAX_WEBP_PIXELS // 1_000_000} megapixels; save it as JPEG or PNG)")
    if getattr(img, "is_animated", False) or getattr(img, "n_frames", 1) > 1:
        raise ImageError(f"{label}: animated images are not supported; save one frame as PNG")
    return img


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """size scaled so its longer side is `side` (the DCT-scaled JPEG decode never goes below it)."""
    k = min(1.0, side / max(size))
    return max(1, round(size[0] * k)), max(1, round(size[1] * k))


def _reduced(img: Image.Image, max_side: int | None) -> Image.Image:
    """A decoded image reduced by the largest integer factor that keeps REDUCING_GAP x max_side on its longer
    side; its EXIF orientation is carried over (a TIFF keeps it in tags the reduced copy would lose)."""
    if max_side is None:
        return img
    factor = max(img.size) // (REDUCING_GAP * max_side)
    if factor < 2:
        return img
    orientation = img.getexif().get(ORIENTATION)
    size = (-(-img.width // factor), -(-img.height // factor))
    if img.mode in ("1", "P"):  # palette indices cannot be averaged; the preprocessing resizes these by nearest too
        small = img.resize(size, Image.Resampling.NEAREST)
    else:
        try:
            small = img.reduce(factor)
        except ValueError:  # a mode reduce() lacks (16-bit "I;16"): the same box average, by resize
            small = img.resize(size, Image.Resampling.BOX)
    if orientation not in (None, 1):
        small.getexif()[ORIENTATION] = orientation
    return small


@contextmanager
def _image_errors(label: str) -> Iterator[None]:
    """Every failure of Pillow as an ImageError naming the file."""
    try:
        with warnings.catch_warnings():
            # Pillow warns from ~89 MP and refuses from ~179 MP at open; our own,
            # lower limit applies after a JPEG's free downscaling, so a huge
            # phone JPEG still opens while a huge PNG does not.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{label}: not an image in a supported format ({', '.join(ALLOWED_FORMATS)})") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageError(f"{label}: refused as a decompression bomb (too many pixels)") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:80]
        raise ImageError(f"{label}: the image is damaged or truncated ({reason})") from None
