"""Opening image files a user gave us, safely.

Only the formats in ALLOWED_FORMATS are parsed, the decoded size is capped
(a small file can claim billions of pixels), and every failure becomes an
ImageError with a one-line reason.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

ALLOWED_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
MAX_PIXELS = 40_000_000


def open_image(source: str | Path | bytes, name: str | None = None) -> Image.Image:
    """Decode an image from a path or bytes and apply its EXIF orientation."""
    label = name or (str(source) if not isinstance(source, bytes) else "image")
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except FileNotFoundError:
        raise ImageError(f"{label}: file not found") from None
    except OSError as exc:
        raise ImageError(f"{label}: cannot read file ({exc.strerror or exc})") from None
    if not data:
        raise ImageError(f"{label}: the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{label}: {width}x{height} is too large "
                                 f"(at most {MAX_PIXELS // 1_000_000} megapixels)")
            if getattr(img, "n_frames", 1) > 1:
                raise ImageError(f"{label}: animated images are not supported; save one frame as PNG")
            img.load()
            return ImageOps.exif_transpose(img)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{label}: not an image in a supported format ({', '.join(ALLOWED_FORMATS)})") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageError(f"{label}: refused as a decompression bomb (too many pixels)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"{label}: the image is damaged or truncated ({exc})") from None
