"""Opening image files a user gave us, safely.

Only the formats in ALLOWED_FORMATS are parsed (Pillow would otherwise try
dozens, some of them through external programs), the decoded size is capped
(a small file can claim billions of pixels), animations are refused, and every
failure becomes an ImageError with a one-line reason.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageError
from ..fileio import read_regular_file

ALLOWED_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp")
MAX_PIXELS = 40_000_000
# A phone photo is a few MB; the upload page's own limit is 10 MB (.streamlit/config.toml maxUploadSize).
MAX_FILE_BYTES = 50_000_000
# JPEGs can be decoded at 1/2, 1/4 or 1/8 scale for free; a digit needs far
# less than this (preprocessing works at 512 px), so a 10,000 x 10,000 photo is
# decoded at 1,250 x 1,250.
JPEG_DRAFT = (1024, 1024)


def open_image(source: str | Path | bytes, name: str | None = None, orient: bool = True) -> Image.Image:
    """Decode an image from a path or bytes; apply its EXIF orientation unless orient=False
    (the preprocessing does it as a visible step)."""
    label = name or (str(source) if not isinstance(source, bytes) else "image")
    data = source if isinstance(source, bytes) else read_regular_file(source, MAX_FILE_BYTES, ImageError, label)
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"{label}: {len(data):,} bytes is too large (at most {MAX_FILE_BYTES // 1_000_000} MB)")
    if not data:
        raise ImageError(f"{label}: the file is empty")
    try:
        with warnings.catch_warnings():
            # Pillow warns from ~89 MP and refuses from ~179 MP at open; our own,
            # lower limit below applies after a JPEG's free downscaling, so a huge
            # phone JPEG still opens while a huge PNG does not.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if img.format == "JPEG":
                img.draft(img.mode, JPEG_DRAFT)
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{label}: {width}x{height} is too large to open "
                                 f"(at most {MAX_PIXELS // 1_000_000} megapixels; JPEGs of any size are fine)")
            if getattr(img, "is_animated", False) or getattr(img, "n_frames", 1) > 1:
                raise ImageError(f"{label}: animated images are not supported; save one frame as PNG")
            img.load()
            return ImageOps.exif_transpose(img) if orient else img
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{label}: not an image in a supported format "
                         f"({', '.join(ALLOWED_FORMATS)})") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageError(f"{label}: refused as a decompression bomb (too many pixels)") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ImageError(f"{label}: the image is damaged or truncated ({str(exc).splitlines()[0][:80]})") from None
